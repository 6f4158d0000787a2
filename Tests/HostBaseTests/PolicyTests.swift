@testable import HostBase
import KFJSON
import Testing

@Suite struct PolicyTests {
    func tool(_ name: String, _ category: String, _ risk: ToolRisk) -> ToolSpec {
        ToolSpec(name: name, title: name, description: "", category: category, risk: risk, idempotent: false,
                 openWorld: false, inputSchema: ["type": "object"], outputSchema: nil, pluginID: "p")
    }

    var tools: [ToolSpec] {
        [tool("list_training_jobs", "discovery", .readOnly), tool("fine_tune", "training", .expensive),
         tool("delete_job", "lifecycle", .destructive), tool("suspend_job", "lifecycle", .mutating),
         tool("create_training_runtime", "runtimes", .mutating)]
    }

    @Test func denyWinsOverAllowAndGlobsMatch() throws {
        let p = try PolicyFile.parse("policy:\n  allow: [\"*\"]\n  deny: [delete_*, category:runtimes]\n",
                                     source: "t", tools: tools)
        #expect(tools.filter(p.allows).map(\.name) == ["list_training_jobs", "fine_tune", "suspend_job"])
        #expect(p.needsConfirmation(tools[1]))
    }

    @Test func readOnlyKeepsOnlyReadOnlyTools() throws {
        let p = try PolicyFile.persona("readonly")
        #expect(tools.filter(p.allows).map(\.name) == ["list_training_jobs"])
    }

    @Test func aFileExtendsThePersonaGivenOnTheCommandLine() throws {
        let p = try PolicyFile.parse("policy:\n    namespaces: [ml-team-dev]\n", source: "f", tools: tools,
                                     basePersona: "data-scientist")
        #expect(p.allowsNamespace("ml-team-dev") && !p.allowsNamespace("default"))
        #expect(p.ownObjectsOnly(tools[3]))
        #expect(p.name.contains("extends data-scientist"))
    }

    @Test func subresourcesAndNamespaceWritesAreNamedByThePolicy() throws {
        let p = try PolicyFile.parse("policy:\n  allow: [\"*\"]\n  subresources: [services/proxy, apps/deployments/scale]\n  namespace_writes: true\n",
                                     source: "t", tools: tools)
        #expect(p.subresources == ["services/proxy", "apps/deployments/scale"] && p.namespaceWrites)
        let none = try PolicyFile.parse("policy:\n  allow: [\"*\"]\n", source: "t", tools: tools)
        #expect(none.subresources == ["services/proxy"] && !none.namespaceWrites && !none.changesOwnObjectsOnly)
        let empty = try PolicyFile.parse("policy:\n  allow: [\"*\"]\n  subresources: []\n", source: "t", tools: tools)
        #expect(empty.subresources.isEmpty)
        #expect(try PolicyFile.persona("data-scientist").changesOwnObjectsOnly)
    }

    @Test func risksAreOrdered() {
        #expect(ToolRisk.readOnly < .mutating && ToolRisk.mutating < .expensive && ToolRisk.expensive < .destructive)
    }

    @Test(arguments: [
        ("policy:\n  allow: [\"*\"]\n  subresources: [proxy]\n", "t:3", "resource/subresource"),
        ("policy:\n  allow: [\"*\"]\n  namespace_writes: maybe\n", "t:3", "true or false"),
        ("policy:\n  allow:\n    - risk:catastrophic\n", "t:3", "unknown risk"),
        ("policy:\n  allow: [category:discovery]\n  nonsense: 1\n", "t:3", "unknown key 'nonsense'"),
        ("policy:\n  allow:\n    - frobnicate_*\n", "t:3", "matches no loaded tool"),
    ])
    func errorsNameTheLine(_ text: String, _ location: String, _ message: String) {
        do {
            _ = try PolicyFile.parse(text, source: "t", tools: tools)
            Issue.record("expected an error")
        } catch {
            #expect(error.message.hasPrefix(location) && error.message.contains(message), "\(error.message)")
        }
    }
}
