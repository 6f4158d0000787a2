import ArgumentParser
import Foundation
import HostCore

/// `kubeflow-mcp plugin install ARCHIVE|DIR|LIB.so`: a verified copy into the
/// user (or system) plugin directory, or an upgrade of the one installed
/// under the same NAME. The checks are PluginInstaller's.
struct PluginInstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install or upgrade a plugin (.tar.gz, directory or .so) after checking its SHA-256 and, when trusted keys are configured, its minisign signature.")

    @Argument(help: ArgumentHelp("A plugin archive (.tar.gz: one top directory NAME/ with one .so), a plugin directory, or a .so.", valueName: "ARCHIVE|DIR"))
    var source: String

    @Option(help: ArgumentHelp("The expected SHA-256 of the archive or .so (of a directory's SHA256SUMS).", valueName: "HEX"))
    var sha256: String?

    @Option(help: ArgumentHelp("A minisign signature of the archive or .so (of a directory's SHA256SUMS).", valueName: "FILE"))
    var sig: String?

    @Flag(help: "Install into the system plugin directory (\(PluginSearchPath.systemDirectory)) instead of the user's.")
    var system = false

    @Option(help: ArgumentHelp("Directory of trusted minisign public keys (*.pub); else $KFMCP_TRUSTED_KEYS, else \(TrustedKeys.defaultDirectory).", valueName: "DIR"))
    var trustedKeys: String?

    @Option(help: "Refuse a package whose files add up to more than this many MiB.")
    var maxSizeMb: Int = 256

    @Flag(help: "Replace a NAME/ directory or NAME.yaml entry that `plugin install` did not make (an upgrade of an installed plugin needs no flag).")
    var force = false

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let directory = system ? PluginSearchPath.systemDirectory : PluginSearchPath.userDirectory(environment: environment)
        let request = PluginInstaller.Request(source: source, sha256: sha256, signature: sig, pluginsDirectory: directory,
                                              trustedKeysDirectory: trustedKeys, environment: environment,
                                              maxBytes: max(1, maxSizeMb) << 20, force: force)
        do {
            let installed = try PluginInstaller.install(request)
            let record = installed.record
            switch installed.replaced {
            case .nothing: print("installed \(record.name) into \(directory)/\(record.name)/")
            case .installed(let old): print("upgraded \(record.name) in \(directory)/\(record.name)/ (replacing the one installed from \(old.source))")
            case .unrecorded: print("installed \(record.name) into \(directory)/\(record.name)/, replacing what was there (--force)")
            }
            InstallRecordLines.print(record)
            if case .nothing = installed.replaced {} else {
                print("a running server keeps the previous version until it reloads: kill -HUP <its pid> (a plugin running in-process: restart it)")
            }
            print("check it loads and runs its examples: kubeflow-mcp plugin test \(directory)/\(record.name)")
        } catch {
            throw PluginInstallRefused(message: "refused to install \(source): \(error)")
        }
    }
}

/// `kubeflow-mcp plugin remove NAME`: undoes an install.
struct PluginRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove a plugin that `plugin install` installed (its directory and its entry).")

    @Argument(help: ArgumentHelp("The install name `plugin install` printed (the package's top directory).", valueName: "NAME"))
    var name: String

    @Flag(help: "Remove from the system plugin directory instead of the user's.")
    var system = false

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let directory = system ? PluginSearchPath.systemDirectory : PluginSearchPath.userDirectory(environment: environment)
        do {
            let record = try PluginInstaller.remove(name: name, pluginsDirectory: directory)
            print("removed \(record.name) from \(directory) (installed from \(record.source))")
        } catch {
            throw PluginInstallRefused(message: "\(error)")
        }
    }
}

struct PluginInstallRefused: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// The provenance lines `plugin install` and `plugins list` print.
enum InstallRecordLines {
    static func lines(_ record: InstallRecord) -> [String] {
        var lines = ["source: \(record.source) (\(record.form))"]
        if let sha = record.sha256 { lines.append("sha256: \(sha)") }
        if let lib = record.librarySHA256 { lines.append("library sha256: \(lib)") }
        if let s = record.signer {
            lines.append("signer: \(s.keyID) (\(s.keyFile))" + (s.trustedComment.map { "  \($0)" } ?? ""))
        } else {
            lines.append("signer: none (no trusted keys were configured)")
        }
        lines.append("verified by: \(record.verifiedBy.joined(separator: ", "))")
        return lines
    }

    static func print(_ record: InstallRecord, indent: String = "  ") {
        for line in lines(record) { Swift.print(indent + line) }
    }
}
