import ArgumentParser
import Foundation
import HostCore

@main
struct KubeflowMCP: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubeflow-mcp",
        abstract: "MCP server for Kubeflow Trainer: tools loaded from plugins.",
        version: KubeflowMCPVersion.current,
        subcommands: [Serve.self, PluginsCommand.self, ToolsCommand.self, VersionCommand.self],
        defaultSubcommand: Serve.self)
}

/// Flags every subcommand takes.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Load plugins from DIR first (repeatable).", valueName: "DIR"))
    var pluginsDir: [String] = []

    @Flag(name: .long, help: "Search only --plugins-dir and KFMCP_PLUGINS_PATH, not the checkout, user and system directories.")
    var noDefaultPlugins = false

    @Option(name: .long, help: "stderr log level: debug, info, warning, error.")
    var logLevel: String = "warning"

    func validate() throws {
        guard LogLevel(name: logLevel) != nil else {
            throw ValidationError("--log-level must be one of debug, info, warning, error (got '\(logLevel)')")
        }
    }

    /// Apply the log level and load the plugins.
    func startHost() -> HostRuntime {
        Log.shared.level = LogLevel(name: logLevel) ?? .warning
        var options = HostOptions()
        options.pluginDirs = pluginsDir
        options.defaultPluginDirs = !noDefaultPlugins
        return Host.start(options)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve MCP over stdio (what an MCP client launches).")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)  // a client that goes away must not kill us mid-write
        let runtime = common.startHost()
        let server = MCPServer(runtime: runtime)
        try await server.run()
        runtime.shutdown()
    }
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version and ABI.")
    func run() {
        print("kubeflow-mcp \(KubeflowMCPVersion.current) (plugin ABI \(PluginABIVersion.description))")
    }
}
