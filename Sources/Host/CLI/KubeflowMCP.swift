import ArgumentParser
import Foundation
import HostCore

@main
enum Main {
    static func main() async {
        // A plugin-host child starts for every drop-in plugin and sits on the
        // start-up path of the host that spawned it: it skips the command-line
        // parser, whose reflection over every command costs ~2.5 ms of CPU.
        let arguments = CommandLine.arguments
        if arguments.count == 3, arguments[1] == PluginHostCommand.configuration.commandName,
            !arguments[2].hasPrefix("-")
        {
            PluginHostChild.run(library: arguments[2])
        }
        await KubeflowMCP.main()
    }
}

/// Every command names itself (`commandName`): a name left to ArgumentParser is
/// derived from the type's name through reflection, a millisecond of every start.
struct KubeflowMCP: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubeflow-mcp",
        abstract: "MCP server for Kubeflow Trainer: tools loaded from plugins.",
        version: KubeflowMCPVersion.current,
        subcommands: [Serve.self, PluginsCommand.self, ToolsCommand.self, PolicyCommand.self, DoctorCommand.self, DemoCommand.self,
                      SimCommand.self, VersionCommand.self, PluginHostCommand.self],
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

    @Option(name: .long, help: ArgumentHelp("Start from a built-in persona: readonly, data-scientist, ml-engineer, platform-admin.", valueName: "NAME"))
    var persona: String?

    @Option(name: .long, help: ArgumentHelp("Policy file (else $KFMCP_POLICY, else ~/.kf-mcp-policy.yaml if present).", valueName: "FILE"))
    var policy: String?

    func validate() throws {
        guard LogLevel(name: logLevel) != nil else {
            throw ValidationError("--log-level must be one of debug, info, warning, error (got '\(logLevel)')")
        }
    }

    /// Apply the log level, load the plugins, then the policy (its patterns are
    /// checked against the loaded tools). A bad policy stops here, saying which line.
    var hostOptions: HostOptions {
        var options = HostOptions()
        options.pluginDirs = pluginsDir
        options.defaultPluginDirs = !noDefaultPlugins
        options.policyFile = policy
        return options
    }

    func startHost() throws -> (host: LoadedHost, policy: Policy) {
        Log.shared.level = LogLevel(name: logLevel) ?? .warning
        let options = hostOptions
        let host = ProtocolStdout.silenced { Host.start(options) }
        do {
            return (host, try Host.policy(persona: persona, file: policy, environment: options.environment,
                                          tools: host.registry.orderedTools))
        } catch {
            host.shutdown()
            FileHandle.standardError.write(Data("kubeflow-mcp: policy error: \(error.message)\n".utf8))
            throw ExitCode(2)
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve MCP over stdio (what an MCP client launches), or Streamable HTTP with --http.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup(title: "Streamable HTTP") var http: HTTPServeOptions

    @Option(name: .long, help: ArgumentHelp("Append one JSON line per tool call here (default: ~/.local/state/kubeflow-mcp/audit.log); '-': stdout, with --http only (where a cluster's log collector reads).", valueName: "FILE"))
    var auditLog: String?

    @Option(name: .long, help: ArgumentHelp("Deadline of a tools/call without its own timeout_seconds (default 300).", valueName: "SECONDS"))
    var callTimeout: Int = 300

    @Option(name: .long, help: ArgumentHelp("After stdin closes, wait this long for running calls, then answer them with an error and exit (default 10).", valueName: "SECONDS"))
    var exitGrace: Double = 10

    @Option(name: .long, help: ArgumentHelp("Longest request line accepted; longer ones are answered with an error, never buffered (default 4 MiB).", valueName: "BYTES"))
    var maxLineBytes: Int = LineTransport.defaultMaxLineBytes

    func validate() throws {
        guard callTimeout > 0 else { throw ValidationError("--call-timeout must be a positive number of seconds") }
        guard exitGrace >= 0 else { throw ValidationError("--exit-grace must be zero or more seconds") }
        if maxLineBytes < 1024 { throw ValidationError("--max-line-bytes must be at least 1024") }
        if auditLog == "-" && http.address == nil {
            throw ValidationError("--audit-log -: over stdio, stdout carries the MCP protocol; give a file, or serve --http")
        }
    }

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)  // a client that goes away must not kill us mid-write
        // Before any plugin loads: nothing printed to fd 1 can reach the client.
        let protocolFD = ProtocolStdout.claim()
        let (host, policy) = try common.startHost()
        let reloads = Host.reloadPluginsOnHangup(common.hostOptions, host: host)
        defer { reloads.cancel() }
        let connection = try cluster.connect()
        let identity = ClusterIdentity(access: connection.access)
        Log.shared.info("cluster: \(connection.access.summary)")
        Thread.detachNewThread { _ = identity.identity }  // looked up while the client starts, not on its first call
        // '-' over HTTP: the real stdout (fd 1 now points at stderr), which no protocol uses there.
        let path = auditLog == "-" ? "/proc/self/fd/\(protocolFD)"
            : auditLog ?? AuditLog.defaultPath(environment: ProcessInfo.processInfo.environment)
        var audit: AuditLog?
        do { audit = try AuditLog(path: path) } catch {
            Log.shared.warning("\(error); tool calls will not be audited")
        }
        let environment = host.environment(policy: policy, cluster: identity, audit: audit)
        var limits = ServerLimits()
        limits.callTimeout = .seconds(callTimeout)
        limits.exitGrace = .milliseconds(Int64(exitGrace * 1000))
        if http.address != nil {
            try await http.serve(environment: environment, serverLimits: limits)
            host.shutdown()
            return
        }
        let server = MCPServer(pipeline: ToolInvoker(environment: environment), transport: LineTransport(output: protocolFD, maxLineBytes: maxLineBytes),
                               limits: limits)
        let cutShort = try await server.run()
        // Calls cut short at exit may never return: do not wait for them again.
        host.shutdown(grace: cutShort > 0 ? 0.2 : 10)
        // The simulator (a child process) exits with us: its stdin, a pipe we hold, closes.
        withExtendedLifetime(connection) {}
    }
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version and ABI.")
    func run() {
        print("kubeflow-mcp \(KubeflowMCPVersion.current) (plugin ABI \(PluginABIVersion.description))")
    }
}
