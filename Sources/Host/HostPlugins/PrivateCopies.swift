import Foundation
import HostBase

#if canImport(Glibc)
import Glibc
#endif

/// The host runs plugins from copies of their files, made at load time in a
/// directory of its own (mode 0700, removed at exit): `cp new.so plugins/x.so`
/// rewrites the pages of a file already mapped, so a server mapping the
/// operator's file would crash mid-call. With a copy, replacing a plugin on
/// disk changes nothing until a reload (child-run plugins) or a restart
/// (in-process plugins) loads the new file. Each copy has a directory of its
/// own, because a sandboxed child may read its library's directory.
final class PrivateCopies: @unchecked Sendable {
    static let shared = PrivateCopies()

    private let lock = NSLock()
    private var directory: String?
    private var count = 0
    private static let prefix = "kubeflow-mcp-plugins."

    /// Copy `path` (already found trusted) into a fresh private directory;
    /// the copy's path, or why not. `identity` is the file that was checked:
    /// a file swapped in between the check and the copy is refused. Where no
    /// copy can be written (a read-only root filesystem without a writable
    /// TMPDIR, a full disk) the plugin runs from its own file, as before copies,
    /// and the log says once that replacing it in place is then unsafe.
    func copy(_ path: String, identity: FileIdentity, log: Log) -> Result<String, ManifestReader.Problem> {
        lock.withLock {
            let source = open(path, O_RDONLY | O_CLOEXEC)
            guard source >= 0 else { return .failure(.init(message: "cannot open \(path): \(String(cString: strerror(errno)))")) }
            defer { close(source) }
            var st = stat()
            guard fstat(source, &st) == 0, UInt64(st.st_dev) == identity.device, UInt64(st.st_ino) == identity.inode else {
                return .failure(.init(message: "the plugin file \(path) was replaced while it was being loaded; reload again"))
            }
            switch write(source, named: (path as NSString).lastPathComponent) {
            case .success(let copy): return .success(copy)
            case .failure(let why):
                if !warned {
                    warned = true
                    log.warning("plugins run from their own files, not private copies (\(why.message)): replacing a plugin file "
                                + "in place while the server runs is unsafe; set TMPDIR to a writable directory", source: "loader")
                }
                return .success(path)
            }
        }
    }

    private var warned = false

    /// The bytes of `source` in a new subdirectory of the private directory; called with the lock held.
    private func write(_ source: Int32, named name: String) -> Result<String, ManifestReader.Problem> {
        guard let root = privateDirectory() else {
            return .failure(.init(message: "cannot create a directory in \(Self.temporaryRoot): \(String(cString: strerror(errno)))"))
        }
        count += 1
        let dir = "\(root)/\(count)"
        let target = dir + "/" + name
        guard mkdir(dir, 0o700) == 0 else {
            return .failure(.init(message: "cannot create \(dir): \(String(cString: strerror(errno)))"))
        }
        let out = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o500)
        guard out >= 0 else { return .failure(.init(message: "cannot create \(target): \(String(cString: strerror(errno)))")) }
        defer { close(out) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(source, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return .failure(.init(message: "cannot read the plugin file: \(String(cString: strerror(errno)))")) }
            if n == 0 { break }
            var written = 0
            while written < n {
                let w = buffer.withUnsafeBytes { Glibc.write(out, $0.baseAddress! + written, n - written) }
                if w < 0 && errno == EINTR { continue }
                guard w > 0 else { return .failure(.init(message: "cannot write \(target): \(String(cString: strerror(errno)))")) }
                written += w
            }
        }
        return .success(target)
    }

    /// True when the file at `original` no longer has the bytes of `copy`.
    static func changed(original: String, copy: String) -> Bool {
        !FileManager.default.contentsEqual(atPath: original, andPath: copy)
    }

    private static var temporaryRoot: String {
        let tmp = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "/tmp"
        return tmp.hasSuffix("/") && tmp.count > 1 ? String(tmp.dropLast()) : tmp
    }

    /// Made on first use; called with the lock held.
    private func privateDirectory() -> String? {
        if let directory { return directory }
        Self.removeLeftovers()
        var template = Array("\(Self.temporaryRoot)/\(Self.prefix)\(getpid()).XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { return nil }
        let path = String(cString: made)
        directory = path
        Self.registerRemovalAtExit()
        return path
    }

    /// A server killed with SIGKILL leaves its copies behind: the next start removes
    /// those of processes that no longer run (only its own user's, as found by owner).
    private static func removeLeftovers() {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: temporaryRoot) else { return }
        for name in names where name.hasPrefix(prefix) {
            let pidText = name.dropFirst(prefix.count).prefix { $0 != "." }
            guard let pid = pid_t(pidText), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            let path = temporaryRoot + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0, st.st_uid == geteuid(), st.st_mode & S_IFMT == S_IFDIR else { continue }
            try? fm.removeItem(atPath: path)
        }
    }

    private static func registerRemovalAtExit() {
        atexit {
            if let dir = PrivateCopies.shared.directory { try? FileManager.default.removeItem(atPath: dir) }
        }
    }
}
