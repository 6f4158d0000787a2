import Foundation
import KFJSON

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

public enum Host {
    /// A runtime with every plugin found loaded (refusals recorded, never fatal).
    public static func start(_ options: HostOptions, log: Log = .shared) -> HostRuntime {
        let runtime = HostRuntime(log: log)
        let searchPath = PluginSearchPath(explicit: options.pluginDirs, environment: options.environment,
                                          executablePath: options.executablePath,
                                          defaults: options.defaultPluginDirs)
        let inProcess = InProcessPlugins.allowed(policyFile: PolicyFile.locate(explicit: options.policyFile,
                                                                                environment: options.environment))
        PluginLoader(runtime: runtime, searchPath: searchPath, executablePath: options.executablePath,
                     inProcessAllowed: inProcess).loadAll()
        return runtime
    }
}

extension Host {
    /// The policy in force: --persona and/or a policy file (--policy, $KFMCP_POLICY,
    /// ~/.kf-mcp-policy.yaml); a file may extend a persona. Neither: unrestricted.
    public static func policy(persona: String?, file: String?, environment: [String: String],
                              tools: [ToolSpec]) throws(PolicyFile.Problem) -> Policy {
        let path = PolicyFile.locate(explicit: file, environment: environment)
        var policy = try persona.map { name throws(PolicyFile.Problem) in try PolicyFile.persona(name) } ?? .unrestricted
        if let path {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw PolicyFile.Problem(message: "\(path): cannot read the policy file")
            }
            // --persona NAME plus a file without its own `persona:`: the file extends NAME.
            policy = try PolicyFile.parse(text, source: path, tools: tools, basePersona: persona)
        }
        return policy
    }
}
