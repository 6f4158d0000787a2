import Foundation
import KFJSON
// The composition root: the CLI and the HTTP transport see every floor through this one import.
@_exported import HostBase
@_exported import HostCalls
@_exported import HostKubeGate
@_exported import HostPlugins
@_exported import HostProtocol

/// Start-up in one place: options → the plugins loaded.
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

/// The plugins loaded, before the policy is read and the cluster connected
/// (the policy's patterns are checked against the loaded tools, so it comes
/// after). The composition root: it makes each part once and hands every
/// consumer only its part; `environment` wires the call pipeline's.
public final class LoadedHost: Sendable {
    public let registry: PluginRegistry
    public let log: Log
    /// The plugins' callbacks; they reach the call pipeline through each call.
    let services: HostServices
    let tracker: CallTracker

    init(log: Log) {
        self.log = log
        registry = PluginRegistry()
        tracker = CallTracker()
        services = HostServices(registry: registry, tracker: tracker, log: log)
    }

    /// What the call pipeline is made with once the policy, cluster and audit log are known.
    public func environment(policy: Policy, cluster: ClusterIdentity = .none, audit: AuditLog? = nil) -> CallEnvironment {
        CallEnvironment(registry: registry, policy: policy, cluster: cluster, audit: audit,
                        confirmations: ConfirmationBook.fromEnvironment(), tracker: tracker, log: log)
    }

    /// At exit: tell running calls to stop (is_cancelled answers 1), wait for
    /// them up to `grace` seconds, then call every plugin's shutdown once.
    public func shutdown(grace: TimeInterval = 10) {
        let (first, stuck) = tracker.drain(grace: grace)
        guard first else { return }
        if stuck > 0 { log.warning("\(stuck) plugin call(s) still running at exit; not waiting longer") }
        registry.shutdownAll()
    }
}

extension HostBase.Host {
    /// Every plugin found loaded (refusals recorded, never fatal).
    public static func start(_ options: HostOptions, log: Log = .shared) -> LoadedHost {
        let host = LoadedHost(log: log)
        loader(options, host: host).loadAll()
        return host
    }

    /// The loader a start uses; a reload rereads the directories and the policy file's in_process_plugins the same way.
    static func loader(_ options: HostOptions, host: LoadedHost) -> PluginLoader {
        let searchPath = PluginSearchPath(explicit: options.pluginDirs, environment: options.environment,
                                          executablePath: options.executablePath,
                                          defaults: options.defaultPluginDirs)
        let inProcess = InProcessPlugins.allowed(policyFile: PolicyFile.locate(explicit: options.policyFile,
                                                                                environment: options.environment))
        return PluginLoader(host: host.services, searchPath: searchPath, executablePath: options.executablePath,
                            inProcessAllowed: inProcess)
    }

    /// `serve` reloads its plugins on SIGHUP (`kill -HUP PID`): see PluginLoader.reload.
    /// Every open MCP session is told when the tools changed. Keep the returned source.
    public static func reloadPluginsOnHangup(_ options: HostOptions, host: LoadedHost) -> any DispatchSourceSignal {
        signal(SIGHUP, SIG_IGN)
        // A queue of its own, serial: a reload waits for child processes to load.
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "kubeflow-mcp.plugin-reload"))
        source.setEventHandler {
            host.log.warning("SIGHUP: reloading plugins", source: "loader")
            if loader(options, host: host).reload().toolsChanged { ToolListWatchers.shared.toolsChanged() }
        }
        source.resume()
        return source
    }
}
