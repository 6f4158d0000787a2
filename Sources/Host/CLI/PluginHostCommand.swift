import ArgumentParser
import HostCore

/// `kubeflow-mcp plugin-host LIB`: started by the host itself for a plugin that
/// runs out of process (plugins.d `isolation: process`, the default for
/// drop-ins). Speaks the plugin ABI as JSON on fd 3; not for people to run.
struct PluginHostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin-host",
        abstract: "Run one plugin in this process for a kubeflow-mcp host (started by the host; speaks on fd 3).",
        shouldDisplay: false)

    @Argument(help: "The plugin library.") var library: String

    func run() throws {
        PluginHostChild.run(library: library)
    }
}
