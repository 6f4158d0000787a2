import PluginKit
import PluginKitTesting
import SwiftExample
import Testing

/// The tool as the host calls it: by name, through the plugin's manifest, with
/// JSON in and out, and the call context (namespace) from a fake host.
@Test func greetsInTheNamespaceTheHostGives() throws {
    let host = FakeHost()
    host.context["namespace"] = "team-a"
    let plugin = try host.load(swiftExamplePlugin)
    #expect(plugin.toolNames == ["swift_example_greet"])
    let result = try plugin.result("swift_example_greet", ["name": "Ada"])
    #expect(result == ["greeting": "Hello, Ada!", "namespace": "team-a"])
    #expect(host.requests.isEmpty)  // it never talks to Kubernetes
}

@Test func aMissingNameIsAToolErrorNamingTheField() throws {
    let plugin = try FakeHost().load(swiftExamplePlugin)
    let answer = try plugin.call("swift_example_greet", [:])
    #expect(answer["error"]?["field"] == "name")
    #expect(throws: ToolError.self) { try plugin.result("swift_example_greet", ["name": "  "]) }
}
