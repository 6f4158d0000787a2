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
        let p = try PolicyFile.parse("policy:\n  allow: [\"*\"]\n  subresources: [services/proxy, services/my-registry/proxy, apps/deployments/*/scale, kubeflow.org/notebooks/nb1/status]\n  namespace_writes: true\n",
                                     source: "t", tools: tools)
        #expect(p.subresources == [SubresourceGrant(resource: "services", subresource: "proxy"),
                                   SubresourceGrant(resource: "services", name: "my-registry", subresource: "proxy"),
                                   SubresourceGrant(group: "apps", resource: "deployments", subresource: "scale"),
                                   SubresourceGrant(group: "kubeflow.org", resource: "notebooks", name: "nb1", subresource: "status")]
                && p.namespaceWrites)
        #expect(p.subresources.map(\.description) == ["services/proxy", "services/my-registry/proxy", "apps/deployments/*/scale",
                                                      "kubeflow.org/notebooks/nb1/status"])
        let none = try PolicyFile.parse("policy:\n  allow: [\"*\"]\n", source: "t", tools: tools)
        #expect(none.subresources == [SubresourceGrant(resource: "services", name: "model-registry-service", subresource: "proxy")]
                && !none.namespaceWrites && !none.changesOwnObjectsOnly)
        let empty = try PolicyFile.parse("policy:\n  allow: [\"*\"]\n  subresources: []\n", source: "t", tools: tools)
        #expect(empty.subresources.isEmpty)
        #expect(try PolicyFile.persona("data-scientist").changesOwnObjectsOnly)
    }

    /// Hostile and mistaken `subresources:` entries are refused at load, naming the entry and the forms.
    @Test(arguments: [
        ("services//proxy", "is empty"), ("services/../proxy", "DNS-1123"), ("/services/proxy", "resource ''"),
        ("services/proxy/", "subresource ''"), ("a/b/c/d/e", "5 parts"), ("services", "1 parts"),
        ("services/Model-Registry/proxy", "DNS-1123"), ("services/model-registry-service:8080/proxy", "DNS-1123"),
        ("services/*/proxy", "four-part form"), ("*/proxy", "resource '*'"), ("services/*", "subresource '*'"),
        ("trainer.kubeflow.org/trainjobs/status", "a group's subresource takes four parts"),
        ("services/a%2Fb/proxy", "DNS-1123"), ("services/a b/proxy", "DNS-1123"), ("Services/proxy", "resource 'Services'"),
        ("apps/deployments/*/Scale", "subresource 'Scale'"), ("Apps/deployments/*/scale", "group 'Apps'"),
    ])
    func hostileSubresourceEntriesAreRefused(_ entry: String, _ why: String) {
        do {
            _ = try PolicyFile.parse("policy:\n  allow: [\"*\"]\n  subresources: [\"\(entry)\"]\n", source: "t", tools: tools)
            Issue.record("\(entry) was accepted")
        } catch {
            #expect(error.message.hasPrefix("t:3") && error.message.contains(why) && error.message.contains("resource/name/subresource"),
                    "\(error.message)")
        }
    }

    /// A grant is matched on structure: the Service a proxy request names (its port aside), never a prefix of it.
    @Test func aGrantCoversItsObjectOnly() {
        let registry = SubresourceGrant.modelRegistryProxy
        func proxy(_ name: String, group: String = "", resource: String = "services") -> SubresourceGrant {
            .needed(group: group, resource: resource, name: name, subresource: "proxy")
        }
        #expect(registry.covers(proxy("model-registry-service")) && registry.covers(proxy("model-registry-service:8080")))
        #expect(registry.covers(proxy("model-registry-service:http")))
        #expect(!registry.covers(proxy("model-registry-service-2:8080")) && !registry.covers(proxy("model-registry")))
        #expect(!registry.covers(proxy("model-registry-service", resource: "nodes")))
        #expect(!registry.covers(proxy("model-registry-service", group: "example.com")))
        #expect(!registry.covers(.needed(group: "", resource: "services", name: "model-registry-service", subresource: "status")))
        // A node's name keeps its colon: only a Service proxy's name carries a port.
        #expect(SubresourceGrant.needed(group: "", resource: "nodes", name: "n:1", subresource: "proxy").name == "n:1")
        let wide = SubresourceGrant(resource: "services", subresource: "proxy")
        #expect(wide.covers(proxy("anything:9090")) && !wide.covers(proxy("n1", resource: "nodes")))
    }

    @Test func risksAreOrdered() {
        #expect(ToolRisk.readOnly < .mutating && ToolRisk.mutating < .expensive && ToolRisk.expensive < .destructive)
    }

    @Test(arguments: [
        ("policy:\n  allow: [\"*\"]\n  subresources: [proxy]\n", "t:3", "resource/subresource"),
        ("policy:\n  allow: [\"*\"]\n  subresources: [[services, proxy]]\n", "t:3", "entries are strings"),
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
