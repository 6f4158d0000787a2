import Foundation
import KFJSON
// The composition root: the CLI and the HTTP transport see every floor through this one import.
@_exported import HostBase
@_exported import HostCalls
@_exported import HostKubeGate
@_exported import HostPlugins
@_exported import HostProtocol

/// Start-up in one place: options → runtime with plugins loaded.
public struct HostOptions: Sendable {
    public var pluginDirs: [String] = []
    public var defaultPluginDirs = true
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    public var executablePath: String = HostOptions.currentExecutablePath()
    /// --policy, when given: its `in_process_plugins` is read before plugins load.
    public var policyFile: String?

    public init() {}

    /// /proc/self/exe, so symlinked launches still find the build output.
    public static func currentExecutablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments.first ?? "kubeflow-mcp"
    }
}

extension HostBase.Host {
    /// A runtime with every plugin found loaded (refusals recorded, never fatal).
    public static func start(_ options: HostOptions, log: Log = .shared) -> HostRuntime {
        let runtime = HostRuntime(log: log)
        loader(options, runtime: runtime).loadAll()
        return runtime
    }

    /// The loader a start uses; a reload rereads the directories and the policy file's in_process_plugins the same way.
    static func loader(_ options: HostOptions, runtime: HostRuntime) -> PluginLoader {
        let searchPath = PluginSearchPath(explicit: options.pluginDirs, environment: options.environment,
                                          executablePath: options.executablePath,
                                          defaults: options.defaultPluginDirs)
        let inProcess = InProcessPlugins.allowed(policyFile: PolicyFile.locate(explicit: options.policyFile,
                                                                                environment: options.environment))
        return PluginLoader(runtime: runtime, searchPath: searchPath, executablePath: options.executablePath,
                            inProcessAllowed: inProcess)
    }

    /// `serve` reloads its plugins on SIGHUP (`kill -HUP PID`): see PluginLoader.reload.
    /// Every open MCP session is told when the tools changed. Keep the returned source.
    public static func reloadPluginsOnHangup(_ options: HostOptions, runtime: HostRuntime) -> any DispatchSourceSignal {
        signal(SIGHUP, SIG_IGN)
        // A queue of its own, serial: a reload waits for child processes to load.
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "kubeflow-mcp.plugin-reload"))
        source.setEventHandler {
            runtime.log.warning("SIGHUP: reloading plugins", source: "loader")
            if loader(options, runtime: runtime).reload().toolsChanged { ToolListWatchers.shared.toolsChanged() }
        }
        source.resume()
        return source
    }
}
