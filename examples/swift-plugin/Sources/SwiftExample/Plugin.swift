import PluginKit

/// An example kept free of any cluster so it runs anywhere. One tool,
/// `swift_example_greet`, shows arguments, a host service (the call's
/// context) and a tool error that names its field.
public let swiftExamplePlugin = PluginDefinition(
    id: "swift-example",
    version: "0.1.0",
    description: "Example out-of-tree kubeflow-mcp plugin written with PluginKit.",
    tools: [
        ToolDefinition(
            name: "swift_example_greet", title: "Greet (Swift example)",
            description: "Greets a person by name, in the namespace the host says this call uses.",
            category: "discovery", risk: .readOnly, idempotent: true,
            input: Schema.object(["name": Schema.string("Who to greet.")], required: ["name"])
        ) { call in
            let greeting = try Greeting.make(name: try call.string("name"))
            let namespace = call.context()["namespace"]?.string ?? "default"
            return ToolOutput(["greeting": .string(greeting), "namespace": .string(namespace)], text: greeting)
        },
    ],
    instructions: "swift_example_greet greets a person (an example of an out-of-tree Swift plugin)."
)

/// The tool's logic, apart from the ABI so it is tested in-process.
public enum Greeting {
    public static func make(name: String) throws -> String {
        let trimmed = name.trimmingSpacesAndTabs()
        guard !trimmed.isEmpty else { throw ToolError("name is empty; pass the person's name.", field: "name") }
        return "Hello, \(trimmed)!"
    }
}

/// The one symbol the host looks up (kfmcp_plugin.h).
@_cdecl("kfmcp_plugin_entry_v1")
public func kfmcpPluginEntry(_ host: UnsafeRawPointer?) -> UnsafeRawPointer? {
    swiftExamplePlugin.export(host: host)
}
