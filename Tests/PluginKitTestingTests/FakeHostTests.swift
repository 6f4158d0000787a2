import PluginKit
import PluginKitTesting
import Testing

/// A plugin that uses every host service, so each of the fake host's answers is checked once.
let probePlugin = PluginDefinition(
    id: "fake-host-probe", version: "1.0.0", description: "Uses every host service.",
    tools: [
        ToolDefinition(name: "probe", title: "Probe", description: "Every service.", category: "discovery", risk: .readOnly,
                       input: Schema.object([:])) { call in
            call.log("probing", level: .warning)
            call.progress(0.5, "half")
            var lines: [String] = []
            let streamed = call.k8sStream(.get(.pods, "p", namespace: "ns")) { line in
                lines.append(line)
                return lines.count < 2  // stop after two lines
            }
            let provider = try call.callBackend("acme", "estimate", ["x": 1])
            let nested = try call.callTool("other_tool", ["y": 2])
            return ToolOutput([
                "lines": .array(lines.map { .string($0) }), "stream_status": .int(streamed.status),
                "provider": provider, "nested": nested ?? .null, "cancelled": .bool(call.isCancelled),
                "seed": call.planSeed.map { .string($0) } ?? .null, "providers": .int(call.listProviders().count),
                "config": call.host.config(),
            ])
        },
    ])

@Test func everyHostServiceAnswersFromTheScript() throws {
    let host = FakeHost()
    host.kubernetes = { _ in .ok("one\ntwo\nthree") }
    host.providerCall = { id, op, input in ["result": ["id": .string(id), "op": .string(op), "input": input]] }
    host.tools["other_tool"] = { input in ["result": ["echo": input]] }
    host.providers = [["id": "acme", "kind": "kfmcp.provider/finetune-backend/1"]]
    host.config = ["k": "v"]
    host.context["plan_seed"] = "seed-1"
    host.cancelled = true
    let plugin = try host.load(probePlugin)
    let result = try plugin.result("probe")
    #expect(result["lines"] == ["one", "two"])
    #expect(result["stream_status"] == 200)
    #expect(result["provider"] == ["id": "acme", "op": "estimate", "input": ["x": 1]])
    #expect(result["nested"] == ["echo": ["y": 2]])
    #expect(result["cancelled"] == true && result["seed"] == "seed-1" && result["providers"] == 1 && result["config"] == ["k": "v"])
    #expect(host.requests.map { $0["resource"] } == ["pods"])
    #expect(host.providerRequests.map(\.operation) == ["estimate"])
    #expect(host.toolRequests.map(\.tool) == ["other_tool"])
    #expect(host.logs.map(\.message) == ["probing"] && host.progress.map(\.fraction) == [0.5])
}

@Test func unscriptedServicesAnswerAsAHostWithoutThem() throws {
    let host = FakeHost()
    let plugin = try host.load(probePlugin)
    let answer = try plugin.call("probe")
    // No provider scripted: the plugin's own error names the missing provider.
    #expect(answer["error"]?["message"]?.string?.contains("No loaded plugin provides 'acme'") == true)
    #expect(throws: FakeHostError.self) { try plugin.call("no_such_tool") }
}

@Test func twoPluginsInOneProcessEachServeTheirOwnTools() throws {
    let other = PluginDefinition(id: "another", version: "1", description: "", tools: [
        ToolDefinition(name: "other", title: "Other", description: "x", category: "discovery", risk: .readOnly,
                       input: Schema.object([:])) { _ in ToolOutput(["from": "other"]) },
    ])
    let probe = try FakeHost().load(probePlugin)
    let second = try FakeHost().load(other)
    #expect(try second.result("other") == ["from": "other"])
    #expect(probe.toolNames == ["probe"] && second.toolNames == ["other"])
    #expect(throws: FakeHostError.self) { try probe.call("other") }
}
