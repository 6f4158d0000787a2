import CSandbox
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The child's Landlock ruleset (an unprivileged LSM, Linux 5.13+): it handles
/// every file access this ABI knows and grants only reads, beneath the
/// plugin's directory and the directories of system libraries; TCP bind and
/// connect (ABI 4) and signals and abstract sockets outside the sandbox
/// (ABI 6) are handled with nothing granted.
enum LandlockRuleset {
    // Access rights (linux/landlock.h).
    static let execute: UInt64 = 1 << 0
    static let writeFile: UInt64 = 1 << 1
    static let readFile: UInt64 = 1 << 2
    static let readDir: UInt64 = 1 << 3
    static let truncate: UInt64 = 1 << 14
    static let tcpBindConnect: UInt64 = (1 << 0) | (1 << 1)
    static let scopes: UInt64 = (1 << 0) | (1 << 1)  // abstract UNIX sockets, signals

    static var abi: Int { Int(kfmcp_landlock_abi()) }

    /// Every file right of an ABI: 13 in ABI 1, then REFER (2), TRUNCATE (3), IOCTL_DEV (5).
    static func handledFileAccess(abi: Int) -> UInt64 {
        switch abi {
        case ..<2: return (1 << 13) - 1
        case 2: return (1 << 14) - 1
        case 3, 4: return (1 << 15) - 1
        default: return (1 << 16) - 1
        }
    }

    /// System library locations, the plugin's directory, and the directory of
    /// every object mapped now (the Swift runtime may live under /opt).
    /// `original`: the file the host copied `library` from (PrivateCopies), whose directory may hold the plugin's data files.
    static func readablePaths(library: String, original: String? = nil) -> [String] {
        var paths = ["/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/local/lib", "/usr/share/zoneinfo", "/usr/share/locale",
                     "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
                     "/sys/devices/system/cpu", "/dev/urandom", "/dev/random", "/dev/zero"]
        paths.append((library as NSString).deletingLastPathComponent)
        paths.append((realPath(library) as NSString).deletingLastPathComponent)
        if let original {
            paths.append((original as NSString).deletingLastPathComponent)
            paths.append((realPath(original) as NSString).deletingLastPathComponent)
        }
        if let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) {
            for line in maps.split(separator: "\n") {
                guard let slash = line.firstIndex(of: "/") else { continue }
                let file = String(line[slash...])
                if file.hasSuffix(".so") || file.contains(".so.") { paths.append((file as NSString).deletingLastPathComponent) }
            }
        }
        var seen = Set<String>()
        return paths.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// nil once this process is restricted, else why not.
    static func restrict(readable: [String]) -> String? {
        let abi = self.abi
        guard abi > 0 else { return "this kernel has no Landlock (or it is disabled at boot)" }
        let handled = handledFileAccess(abi: abi)
        var attr = kfmcp_landlock_ruleset_attr(handled_access_fs: handled, handled_access_net: abi >= 4 ? tcpBindConnect : 0,
                                               scoped: abi >= 6 ? scopes : 0)
        let size = abi >= 6 ? 24 : abi >= 4 ? 16 : 8
        let ruleset = kfmcp_landlock_create_ruleset(&attr, size)
        guard ruleset >= 0 else { return "landlock_create_ruleset: \(String(cString: strerror(errno)))" }
        defer { close(ruleset) }
        for path in readable {
            allow(ruleset, path, directory: readFile | readDir, file: readFile)
        }
        allow(ruleset, "/dev/null", directory: 0, file: readFile | writeFile | (abi >= 3 ? truncate : 0))
        // Landlock (ABI < 8) restricts the calling thread and the threads it starts later, not others.
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 1
        guard kfmcp_landlock_restrict_self(ruleset) == 0 else {
            return "landlock_restrict_self: \(String(cString: strerror(errno)))"
        }
        return threads > 1 ? "\(threads - 1) thread(s) already running are not restricted" : nil
    }

    /// A path that does not exist here is skipped.
    private static func allow(_ ruleset: Int32, _ path: String, directory: UInt64, file: UInt64) {
        let fd = kfmcp_open_path(path)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return }
        let access = (st.st_mode & S_IFMT) == S_IFDIR ? directory : file
        guard access != 0 else { return }
        _ = kfmcp_landlock_allow_beneath(ruleset, fd, access)
    }
}
