import ArgumentParser
import Foundation
import HostCore

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Check policy files and show personas.",
        subcommands: [Check.self, Show.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check", abstract: "Validate a policy file against the loaded tools and print the tools it allows.")
        @Argument(help: "The policy file.") var file: String
        @OptionGroup var common: CommonOptions

        func run() throws {
            var options = common
            options.policy = file
            let (host, p) = try options.startHost()
            print("policy \(p.name): OK")
            print("namespaces: \(p.namespaces?.joined(separator: ", ") ?? "all")  read_only: \(p.readOnly)")
            print(PolicyCommand.confirmationLine(p))
            for tool in host.registry.orderedTools where p.allows(tool) {
                var notes: [String] = []
                if p.needsConfirmation(tool) { notes.append("confirm") }
                if p.ownObjectsOnly(tool) { notes.append("own jobs only") }
                print("  \(tool.name.padding(toLength: 28, withPad: " ", startingAt: 0)) \(tool.category.padding(toLength: 11, withPad: " ", startingAt: 0)) \(tool.risk.rawValue) \(notes.isEmpty ? "" : "(\(notes.joined(separator: ", ")))")")
            }
            host.shutdown()
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print a built-in persona's policy YAML.")
        @Argument(help: "readonly, data-scientist, ml-engineer or platform-admin.") var persona: String

        func run() throws {
            guard let text = BuiltinPersonas.yaml[persona] else {
                throw ValidationError("unknown persona '\(persona)'; built-in: \(BuiltinPersonas.names.joined(separator: ", "))")
            }
            print(text)
            if let policy = try? PolicyFile.persona(persona) { print("# " + PolicyCommand.confirmationLine(policy)) }
        }
    }

    /// Which tools the user is asked about, and which the policy waives (skip_confirmation).
    static func confirmationLine(_ p: Policy) -> String {
        func list(_ patterns: [ToolPattern]) -> String {
            patterns.isEmpty ? "none" : patterns.map(\.description).joined(separator: ", ")
        }
        return "confirmation: require_confirmation [\(list(p.requireConfirmation))]  skip_confirmation [\(list(p.skipConfirmation))]"
    }
}
