import ArgumentParser
import Foundation
import HostCore
import KFJSON

/// `kubeflow-mcp tools call NAME --args JSON`: one tool through the whole host
/// path an MCP call takes (policy, schema validation, confirmation, the plugin
/// on its own thread, redaction, audit), for people and scripts.
///
/// Confirmation: a tool that needs it is first run as a preview, which is
/// printed (to stderr) with the plugin's summary. It runs for real only with
/// `--yes`, a flag a person types; `confirm` inside --args is refused, so
/// nothing generated into the JSON can stand in for the person, and `--yes`
/// counts only when stdin is a terminal, so an agent with a shell (stdin a
/// pipe or /dev/null) cannot confirm for itself.
/// Exit codes: 0 done, 1 the tool or the host refused or failed,
/// 2 bad command line, 3 preview only (needs --yes).
struct ToolCallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call", abstract: "Run one tool through the host (policy, validation, confirmation) and print its result.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "The tool's name, as `tools list` shows it.") var name: String
    @Option(name: .customLong("args"), help: ArgumentHelp("The tool's arguments as a JSON object.", valueName: "JSON"))
    var arguments: String = "{}"
    @Flag(help: "Confirm a tool that needs confirmation (after reading its preview). Only this flag confirms.")
    var yes = false
    @Flag(help: "Print the one-line text a model would read instead of the JSON result.") var text = false
    @Option(name: .long, help: ArgumentHelp("Audit log (default: ~/.local/state/kubeflow-mcp/audit.log).", valueName: "FILE"))
    var auditLog: String?

    func run() async throws {
        guard let args = try? JSON.parse(arguments), args.object != nil else {
            throw ValidationError("--args must be a JSON object, e.g. --args '{\"namespace\":\"default\"}'")
        }
        if yes && isatty(STDIN_FILENO) == 0 {
            throw ValidationError("--yes confirms only when a person runs this at a terminal, and stdin is not one "
                                  + "(a pipe, a file or /dev/null): run it again from a terminal, or leave out --yes to see the preview.")
        }
        let (host, policy) = try common.startHost()
        defer { host.shutdown() }
        if let spec = host.registry.tools[name]?.spec, args[ToolInvoker.confirmArgument] != nil,
            spec.inputSchema["properties"]?[ToolInvoker.confirmArgument] == nil
        {
            throw ValidationError("--args may not contain \"confirm\": a person confirms with --yes after reading the preview.")
        }
        let connection = try cluster.connect()
        let path = auditLog ?? AuditLog.defaultPath(environment: ProcessInfo.processInfo.environment)
        let environment = host.environment(policy: policy, cluster: ClusterIdentity(access: connection.access),
                                           audit: try? AuditLog(path: path))

        let confirm = yes
        let elicit: ToolInvoker.Elicit = { message in
            FileHandle.standardError.write(Data((message + (confirm ? " yes (--yes)\n" : " not confirmed: pass --yes\n")).utf8))
            return confirm ? true : nil  // nil: no person to ask, so the invoker answers with the preview
        }
        let result = await ToolInvoker(environment: environment).call(name: name, arguments: args, progress: nil, elicit: elicit)
        connection.simulator?.stop()

        let structured = result.structured
        let line = result.text
        if result.isError {
            FileHandle.standardError.write(Data("kubeflow-mcp: \(line)\n".utf8))
            throw ExitCode(1)
        }
        print(text || structured == nil ? line : structured!.pretty())
        if structured?["preview"]?.bool == true { throw ExitCode(3) }
    }
}
