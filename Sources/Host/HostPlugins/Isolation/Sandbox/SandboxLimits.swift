import Foundation
import KFJSON

#if canImport(Glibc)
import Glibc
#endif

/// The resource limits of a plugin-host child. A plugin that exceeds them
/// fails (allocation refused, SIGXCPU, EMFILE) and the host restarts its process.
/// The defaults leave room for a Swift plugin's runtime (its threads reserve
/// address space); KFMCP_PLUGIN_MEMORY_MIB, KFMCP_PLUGIN_CPU_SECONDS and
/// KFMCP_PLUGIN_OPEN_FILES in the host's environment change them.
public struct SandboxLimits: Sendable, Equatable {
    public var memoryMiB: Int
    public var cpuSeconds: Int
    public var openFiles: Int

    public static let defaults = SandboxLimits(memoryMiB: 4096, cpuSeconds: 3600, openFiles: 256)

    public static func from(environment: [String: String]) -> SandboxLimits {
        func value(_ key: String, _ fallback: Int) -> Int {
            environment[key].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil } ?? fallback
        }
        return SandboxLimits(memoryMiB: value("KFMCP_PLUGIN_MEMORY_MIB", defaults.memoryMiB),
                             cpuSeconds: value("KFMCP_PLUGIN_CPU_SECONDS", defaults.cpuSeconds),
                             openFiles: value("KFMCP_PLUGIN_OPEN_FILES", defaults.openFiles))
    }

    var summary: String { "address space \(memoryMiB) MiB, CPU \(cpuSeconds) s, \(openFiles) open files, no core dumps" }

    var json: JSON { ["memory_mib": .int(memoryMiB), "cpu_seconds": .int(cpuSeconds), "open_files": .int(openFiles)] }

    init(memoryMiB: Int, cpuSeconds: Int, openFiles: Int) {
        self.memoryMiB = memoryMiB
        self.cpuSeconds = cpuSeconds
        self.openFiles = openFiles
    }

    init(json: JSON?) {
        let d = Self.defaults
        self.init(memoryMiB: json?["memory_mib"]?.int ?? d.memoryMiB, cpuSeconds: json?["cpu_seconds"]?.int ?? d.cpuSeconds,
                  openFiles: json?["open_files"]?.int ?? d.openFiles)
    }

    /// nil when every limit is set, else which were not.
    func apply() -> String? {
        var failed: [String] = []
        func set(_ kind: __rlimit_resource, _ value: Int, _ name: String) {
            let resource = Int32(kind.rawValue)
            var limit = rlimit(rlim_cur: rlim_t(value), rlim_max: rlim_t(value))
            // CPU: the soft limit sends SIGXCPU, the hard one a second later SIGKILL.
            if kind == RLIMIT_CPU { limit.rlim_max = rlim_t(value + 1) }
            // A hard limit already lower stays (RLIM_INFINITY is the largest value).
            var current = rlimit()
            getrlimit(resource, &current)
            if current.rlim_max < limit.rlim_max { limit.rlim_max = current.rlim_max }
            limit.rlim_cur = min(limit.rlim_cur, limit.rlim_max)
            if setrlimit(resource, &limit) != 0 { failed.append("\(name): \(String(cString: strerror(errno)))") }
        }
        set(RLIMIT_AS, memoryMiB << 20, "address space")
        set(RLIMIT_CPU, cpuSeconds, "CPU time")
        set(RLIMIT_NOFILE, openFiles, "open files")
        set(RLIMIT_CORE, 0, "core dumps")
        return failed.isEmpty ? nil : "could not set " + failed.joined(separator: ", ")
    }
}
