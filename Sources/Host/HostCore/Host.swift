import Foundation
import KFJSON

/// Start-up in one place: options → runtime with plugins loaded.
public struct HostOptions: Sendable {
    public var pluginDirs: [String] = []
    public var defaultPluginDirs = true
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    public var executablePath: String = HostOptions.currentExecutablePath()

    public init() {}

    /// /proc/self/exe, so symlinked launches still find the build output.
    public static func currentExecutablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments.first ?? "kubeflow-mcp"
    }
}

public enum Host {
    /// A runtime with every plugin found loaded (refusals recorded, never fatal).
    public static func start(_ options: HostOptions, log: Log = .shared) -> HostRuntime {
        let runtime = HostRuntime(log: log)
        let searchPath = PluginSearchPath(explicit: options.pluginDirs, environment: options.environment,
                                          executablePath: options.executablePath,
                                          defaults: options.defaultPluginDirs)
        PluginLoader(runtime: runtime, searchPath: searchPath).loadAll()
        return runtime
    }
}
