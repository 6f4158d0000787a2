import Foundation
@testable import HostBase
@testable import HostKubeGate
import KFJSON
import KubeClient
import Testing

/// The gate in-process, with a cluster that records what it was sent and a
/// call that keeps the gate's bookkeeping (CallState's, without the pipeline).
@Suite struct KubeGateTests {
    final class Cluster: ClusterAccess, @unchecked Sendable {
        var sent: [ClusterRequest] = []
        var objects: [String: JSON] = [:]  // path → object, for ownership reads
        var logLines: [String] = []
        var defaultNamespace: String { "dev" }
        var identity: String { "alice" }
        var summary: String { "test" }
        func send(_ request: ClusterRequest) -> KubeResponse {
            sent.append(request)
            if request.verb == "get", let object = objects[request.path] {
                return KubeResponse(status: 200, body: Array(object.serialized().utf8))
            }
            // A create answers an id of its own, as the Model Registry behind a service proxy does.
            return KubeResponse(status: request.verb == "create" ? 201 : 200, body: Array("{\"id\":\"\(sent.count + 6)\"}".utf8))
        }
        func stream(_ request: ClusterRequest, onLine: (String) -> Bool) -> KubeResponse {
            sent.append(request)
            for line in logLines where !onLine(line) { break }
            return KubeResponse(status: 200)
        }
    }

    final class Call: GateCall {
        let pluginID = "p"
        let spec: ToolSpec?
        let dryRun: Bool
        var previewed: [JSON]?
        var recorded: [JSON] = []
        var created: Set<String> = []
        var refused: [String] = []
        init(risk: ToolRisk, dryRun: Bool = false, previewed: [JSON]? = nil) {
            spec = ToolSpec(name: "t", title: "t", description: "", category: "discovery", risk: risk, idempotent: false,
                            openWorld: false, inputSchema: ["type": "object"], outputSchema: nil, pluginID: "p")
            self.dryRun = dryRun
            self.previewed = previewed.map { $0.map(KubeGate.previewKey(recorded:)) }
        }
        func recordNamespace(_ namespace: String) {}
        func recordWrite(_ write: JSON) { recorded.append(write) }
        func takePreviewedWrite(_ write: JSON) -> Bool {
            guard var left = previewed else { return true }
            guard let i = left.firstIndex(of: write) else { return false }
            left.remove(at: i)
            previewed = left
            return true
        }
        func recordCreated(_ object: String) { created.insert(object) }
        func didCreate(_ object: String) -> Bool { created.contains(object) }
        func recordRefusedWrite(_ summary: String) { refused.append(summary) }
        var createdIDs: [String] = []
        func recordCreatedID(_ id: String) -> Int { createdIDs.append(id); return createdIDs.count }
    }

    static let jobs = ["group": "trainer.kubeflow.org", "version": "v1alpha1", "resource": "trainjobs", "namespace": "dev"] as JSON

    func request(_ verb: String, name: String? = nil, _ extra: [String: JSON] = [:]) -> JSON {
        var r = Self.jobs
        r["verb"] = .string(verb)
        if let name { r["name"] = .string(name) }
        for (k, v) in extra { r[k] = v }
        return r
    }

    func gate(_ cluster: Cluster, policy: Policy = .unrestricted) -> KubeGate {
        KubeGate(policy: policy, identity: { "alice" }, cluster: cluster, clusterReads: [], log: Log())
    }

    @Test(arguments: ["application/json\r\nImpersonate-User: admin", "application/json\nX: y", "text/html", "application/JSON ",
                      "application/json; charset=utf-8\r\n\r\nDELETE /api/v1/namespaces/prod/pods/x HTTP/1.1"])
    func mediaTypesAreAClosedSet(_ value: String) {
        let cluster = Cluster()
        for field in ["accept", "content_type"] {
            let answer = gate(cluster).send(request("list", [field: .string(value)]), call: Call(risk: .readOnly))
            #expect(answer.status == 0 && answer.errorField == field, "\(field)=\(value): \(answer.json)")
        }
        #expect(cluster.sent.isEmpty)
    }

    @Test func knownMediaTypesPass() {
        let cluster = Cluster()
        let ok = gate(cluster).send(request("patch", name: "j", ["body": ["spec": [:]], "content_type": "application/merge-patch+json",
                                                               "accept": "application/json"]), call: Call(risk: .mutating))
        #expect(ok.status == 200)
    }

    @Test(arguments: ["dryRun", "dryrun", "DRYRUN"])
    func aPluginsOwnDryRunIsRefused(_ key: String) {
        let cluster = Cluster()
        let answer = gate(cluster).send(request("patch", name: "j", ["body": [:], "query": [key: "None"]]), call: Call(risk: .mutating))
        #expect(answer.errorField == "query.\(key)")
        #expect(cluster.sent.isEmpty)
    }

    @Test func aWriteNeedsAToolOfItsRisk() {
        let cluster = Cluster()
        let delete = request("delete", name: "j")
        #expect(gate(cluster).send(delete, call: Call(risk: .mutating)).errorMessage?.contains("risk destructive") == true)
        #expect(gate(cluster).send(delete, call: Call(risk: .expensive)).status == 0)
        #expect(gate(cluster).send(request("create", ["body": ["metadata": ["name": "x"]]]), call: Call(risk: .readOnly)).status == 0)
        #expect(cluster.sent.isEmpty)
        #expect(gate(cluster).send(delete, call: Call(risk: .destructive)).status == 200)
        #expect(gate(cluster).send(request("create", ["body": ["metadata": ["name": "x"]]]), call: Call(risk: .mutating)).status == 201)
    }

    @Test func aToolMayUndoItsOwnCreate() {
        let cluster = Cluster()
        let call = Call(risk: .expensive)
        let secret: JSON = ["verb": "create", "version": "v1", "resource": "secrets", "namespace": "dev",
                            "body": ["metadata": ["name": "s3-creds"]]]
        #expect(gate(cluster).send(secret, call: call).status == 201)
        let undo: JSON = ["verb": "delete", "version": "v1", "resource": "secrets", "namespace": "dev", "name": "s3-creds"]
        #expect(gate(cluster).send(undo, call: call).status == 200)
        let other: JSON = ["verb": "delete", "version": "v1", "resource": "secrets", "namespace": "dev", "name": "someone-elses"]
        #expect(gate(cluster).send(other, call: call).status == 0)
    }

    @Test func ownershipHoldsForEveryChangeUnderAnOwnObjectsPolicy() {
        let cluster = Cluster()
        cluster.objects["/apis/trainer.kubeflow.org/v1alpha1/namespaces/dev/trainjobs/theirs"] =
            ["metadata": ["name": "theirs", "annotations": [.init(stringLiteral: ClusterGuard.ownerAnnotation): "bob"]]]
        var policy = Policy.unrestricted
        policy.ownObjectsOnly = [.category("lifecycle")]  // the tool is filed under "discovery"
        let answer = gate(cluster, policy: policy).send(request("patch", name: "theirs", ["body": [:]]), call: Call(risk: .mutating))
        #expect(answer.errorMessage?.contains("was created by bob") == true)
        #expect(cluster.sent.map(\.verb) == ["get"])
    }

    @Test func aConfirmedRunSendsOnlyItsPreviewsWrites() {
        let cluster = Cluster()
        let body: JSON = ["spec": ["suspend": true]]
        let preview = Call(risk: .destructive, dryRun: true)
        #expect(gate(cluster).send(request("patch", name: "a", ["body": body]), call: preview).status == 200)
        #expect(cluster.sent.last?.query.contains { $0 == ("dryRun", "All") } == true)
        let confirmed = Call(risk: .destructive, previewed: preview.recorded)
        // Another body, another object, another verb, or the previewed write a second time: refused.
        #expect(gate(cluster).send(request("patch", name: "a", ["body": ["spec": ["suspend": false]]]), call: confirmed).status == 0)
        #expect(gate(cluster).send(request("patch", name: "b", ["body": body]), call: confirmed).status == 0)
        #expect(gate(cluster).send(request("delete", name: "a"), call: confirmed).status == 0)
        #expect(gate(cluster).send(request("patch", name: "a", ["body": body]), call: confirmed).status == 200)
        #expect(gate(cluster).send(request("patch", name: "a", ["body": body]), call: confirmed).status == 0)
        #expect(confirmed.refused.count == 4)
        // Reads are never bound.
        #expect(gate(cluster).send(request("get", name: "a"), call: confirmed).status == 200)
    }

    @Test func subresourcesAndNamespaceObjectsNeedThePolicyToNameThem() {
        let cluster = Cluster()
        let nodeProxy: JSON = ["verb": "get", "version": "v1", "resource": "nodes", "name": "n1", "subresource": "proxy"]
        let serviceProxy: JSON = ["verb": "get", "version": "v1", "resource": "services", "namespace": "dev", "name": "registry",
                                  "subresource": "proxy"]
        let label: JSON = ["verb": "patch", "version": "v1", "resource": "namespaces", "name": "dev", "body": [:]]
        let log: JSON = ["verb": "get", "version": "v1", "resource": "pods", "namespace": "dev", "name": "p", "subresource": "log"]
        #expect(gate(cluster).send(nodeProxy, call: Call(risk: .destructive)).errorMessage?.contains("nodes/n1/proxy") == true)
        // The default names the registry's Service only: another Service's HTTP API is refused, the refusal
        // quoting the entry that would allow it.
        let refused = gate(cluster).send(serviceProxy, call: Call(risk: .readOnly)).errorMessage ?? ""
        #expect(refused.contains("adds services/registry/proxy under subresources:"), "\(refused)")
        let registry: JSON = ["verb": "get", "version": "v1", "resource": "services", "namespace": "kubeflow",
                              "name": "model-registry-service:8080", "subresource": "proxy", "proxy_path": "api/model_registry/v1alpha3/registered_models"]
        let registryPort: JSON = ["verb": "get", "version": "v1", "resource": "services", "namespace": "kubeflow",
                                  "name": "model-registry-service:http", "subresource": "proxy", "proxy_path": "x"]
        let lookalike: JSON = ["verb": "get", "version": "v1", "resource": "services", "namespace": "kubeflow",
                               "name": "model-registry-service-evil:8080", "subresource": "proxy", "proxy_path": "x"]
        #expect(gate(cluster).send(lookalike, call: Call(risk: .readOnly)).status == 0)
        #expect(cluster.sent.isEmpty)
        #expect(gate(cluster).send(registry, call: Call(risk: .readOnly)).status == 200)
        #expect(gate(cluster).send(registryPort, call: Call(risk: .readOnly)).status == 200)
        cluster.sent.removeAll()
        var none = Policy.unrestricted
        none.subresources = []
        #expect(gate(cluster, policy: none).send(serviceProxy, call: Call(risk: .readOnly)).status == 0)
        #expect(gate(cluster).send(label, call: Call(risk: .destructive)).errorMessage?.contains("Namespace objects") == true)
        #expect(cluster.sent.isEmpty)
        #expect(gate(cluster).send(log, call: Call(risk: .readOnly)).status == 200)
        var policy = Policy.unrestricted
        policy.subresources = [SubresourceGrant(resource: "services", subresource: "proxy")]  // every Service: wide, on purpose
        policy.namespaceWrites = true
        #expect(gate(cluster, policy: policy).send(serviceProxy, call: Call(risk: .readOnly)).status == 200)
        #expect(gate(cluster, policy: policy).send(nodeProxy, call: Call(risk: .readOnly)).status == 0)
        #expect(gate(cluster, policy: policy).send(label, call: Call(risk: .mutating)).status == 200)
    }

    /// A registration through the registry's service proxy: the model, then its version (naming
    /// the model's id), then the version's artifact (under the version's id). The preview answers
    /// placeholder ids; the confirmed run may send exactly that chain with the real ids, nothing else.
    @Test func aChainedProxyWriteIsBoundToItsPreviewThroughPlaceholderIDs() {
        func proxied(_ verb: String, _ path: String, _ body: JSON) -> JSON {
            ["verb": .string(verb), "version": "v1", "resource": "services", "namespace": "kubeflow",
             "name": "model-registry-service:8080", "subresource": "proxy", "proxy_path": .string("api/model_registry/v1alpha3/" + path),
             "body": body]
        }
        func register(_ gate: KubeGate, _ call: Call, tamper: Bool = false) -> [KubeResponse] {
            let model = gate.send(proxied("create", "registered_models", ["name": "m"]), call: call)
            let modelID = model.bodyJSON["id"]?.string ?? "?"
            let version = gate.send(proxied("create", "model_versions", ["name": "v1", "registeredModelId": .string(tamper ? "1" : modelID)]),
                                    call: call)
            let versionID = version.bodyJSON["id"]?.string ?? "?"
            let artifact = gate.send(proxied("create", "model_versions/\(versionID)/artifacts", ["uri": "s3://b/m"]), call: call)
            return [model, version, artifact]
        }
        let cluster = Cluster()
        let preview = Call(risk: .mutating, dryRun: true)
        let answers = register(gate(cluster), preview)
        #expect(cluster.sent.isEmpty)
        #expect(answers.map { $0.bodyJSON["id"]?.string } == ["kfmcp-created-1", "kfmcp-created-2", "kfmcp-created-3"])
        #expect(preview.recorded.count == 3)
        let confirmed = Call(risk: .mutating, previewed: preview.recorded)
        #expect(register(gate(cluster), confirmed).allSatisfy { $0.status == 201 })
        #expect(cluster.sent.count == 3 && confirmed.refused.isEmpty)
        // A run that points the version at a model it did not create is not what was previewed.
        let tampered = Call(risk: .mutating, previewed: preview.recorded)
        let sentBefore = cluster.sent.count
        let results = register(gate(cluster), tampered, tamper: true)
        #expect(results[1].errorMessage?.contains("did not show") == true)
        #expect(cluster.sent.count == sentBefore + 1 && tampered.refused.count >= 1)
    }

    @Test func aPodLogStreamIsRedactedLineByLineInEitherForm() {
        let cluster = Cluster()
        cluster.logLines = ["step 1 loss 0.5", "HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyz123456", "step 2"]
        let structured: JSON = ["verb": "get", "version": "v1", "resource": "pods", "namespace": "dev", "name": "p",
                                "subresource": "log", "query": ["follow": "true"]]
        let pathForm: JSON = ["method": "GET", "path": "/api/v1/namespaces/dev/pods/p/log", "query": ["follow": "true"]]
        for request in [structured, pathForm] {
            var seen: [String] = []
            _ = gate(cluster).send(request, call: Call(risk: .readOnly)) { seen.append($0); return true }
            #expect(seen.count == 3 && !seen[1].contains("hf_abcdefghijklmnopqrstuvwxyz123456"), "\(seen)")
        }
    }
}
