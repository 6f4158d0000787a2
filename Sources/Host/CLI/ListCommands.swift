import ArgumentParser
import Foundation
import HostCore
import KFJSON

struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins", abstract: "Inspect plugins, start a new one (`plugin new`), find the ABI header (`plugin sdk`), test one (`plugin test`), or install/remove one (`plugin install`, `plugin remove`).",
        subcommands: [List.self, PluginNewCommand.self, PluginSDKCommand.self, PluginTestCommand.self,
                      PluginInstallCommand.self, PluginRemoveCommand.self], defaultSubcommand: List.self, aliases: ["plugin"])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "Every plugin file found: loaded, refused (with why) or disabled.")
        @OptionGroup var common: CommonOptions
        @Flag(help: "JSON output.") var json = false

        func run() throws {
            let (host, _) = try common.startHost()
            let records = host.registry.records
            if json {
                print(JSON.array(records.map { r in
                    guard let install = InstallProvenance.record(for: r.path), var o = r.json.object else { return r.json }
                    o["install"] = InstallProvenance.json(install, libraryPath: r.path)
                    return .object(o)
                }).pretty())
            } else if records.isEmpty {
                print("No plugins found. Build them with `swift build` or pass --plugins-dir DIR.")
            } else {
                for r in records {
                    let name = [r.pluginID ?? (r.path as NSString).lastPathComponent, r.version].compactMap { $0 }.joined(separator: " ")
                    print("\(r.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(name)")
                    print("          \(r.path)  [\(r.origin)]\(r.isolation.map { "  \($0)" } ?? "")")
                    if let sandbox = r.sandbox { print("          sandbox: \(sandbox.isEmpty ? "none" : sandbox.joined(separator: ", "))") }
                    if let reason = r.reason { print("          reason: \(reason)") }
                    if !r.tools.isEmpty { print("          tools: \(r.tools.joined(separator: ", "))") }
                    if !r.backends.isEmpty { print("          backends: \(r.backends.joined(separator: ", "))") }
                    if let install = InstallProvenance.record(for: r.path) {
                        InstallRecordLines.print(install, indent: "          ")
                        if InstallProvenance.modified(install, libraryPath: r.path) { print("          MODIFIED: the library's SHA-256 differs from the one verified at install") }
                    }
                }
            }
            host.shutdown()
        }
    }
}

struct ToolsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tools", abstract: "Inspect and run tools.", subcommands: [List.self, ToolCallCommand.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The tools an MCP client would be offered.")
        @OptionGroup var common: CommonOptions
        @Flag(help: "JSON output.") var json = false

        func run() throws {
            let (host, policy) = try common.startHost()
            let tools = host.registry.orderedTools.filter(policy.allows)
            if json {
                print(JSON.array(tools.map(\.json)).pretty())
            } else {
                for t in tools {
                    print("\(t.name.padding(toLength: 28, withPad: " ", startingAt: 0)) \(t.category.padding(toLength: 11, withPad: " ", startingAt: 0)) \(t.risk.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(t.pluginID)")
                }
            }
            host.shutdown()
        }
    }
}

/// What `plugins list` adds for a plugin `plugin install` installed: the
/// record beside it, and whether the library still has the verified digest.
enum InstallProvenance {
    static func record(for libraryPath: String) -> InstallRecord? { InstallRecord.of(library: libraryPath) }

    static func modified(_ record: InstallRecord, libraryPath: String) -> Bool {
        record.librarySHA256 != nil && InstallRecord.currentSHA256(of: libraryPath) != record.librarySHA256
    }

    static func json(_ record: InstallRecord, libraryPath: String) -> JSON {
        guard var o = record.json.object else { return record.json }
        o["modified"] = .bool(modified(record, libraryPath: libraryPath))
        return .object(o)
    }
}
