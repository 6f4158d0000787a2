@testable import HostBase
@testable import HostKubeGate
import KFJSON
import KubeClient
import Testing

/// The host's reading of a plugin's Kubernetes request: structure, canonical
/// paths only, names checked, policy on the fields (issue #10).
@Suite struct ClusterRequestTests {
    func parse(_ json: JSON) -> Result<ClusterRequest, RequestRefusal> { ClusterRequestParser.parse(json) }

    func refusedField(_ json: JSON) -> String? {
        if case .failure(let r) = parse(json) { return r.field }
        return nil
    }

    @Test func structuredRequestBuildsTheEncodedPath() throws {
        let r = try parse(["verb": "get", "group": "trainer.kubeflow.org", "version": "v1alpha1", "resource": "trainjobs",
                           "namespace": "team-a", "name": "job-1"]).get()
        #expect(r.method == "GET" && r.path == "/apis/trainer.kubeflow.org/v1alpha1/namespaces/team-a/trainjobs/job-1")
        let log = try parse(["verb": "get", "version": "v1", "resource": "pods", "namespace": "a", "name": "p.x",
                             "subresource": "log", "query": ["tailLines": 5]]).get()
        #expect(log.path == "/api/v1/namespaces/a/pods/p.x/log")
        #expect(log.query.first! == ("tailLines", "5"))
        let watch = try parse(["verb": "watch", "version": "v1", "resource": "pods", "namespace": "a"]).get()
        #expect(watch.effectiveQuery.contains { $0 == ("watch", "true") })
    }

    @Test func hostileNamesAreRefusedNamingTheField() {
        for bad in ["..", "../../ml-team-prod/trainjobs/victim", "", "seed-job#x", "x?dryRun=All", "a/b", "%2e%2e",
                    "x;y", "x/", " x", "Ⅹ", "јob", String(repeating: "a", count: 254), "-x", "x-"] {
            let field = refusedField(["verb": "delete", "group": "trainer.kubeflow.org", "version": "v1alpha1",
                                      "resource": "trainjobs", "namespace": "dev", "name": .string(bad)])
            #expect(field == "name", "\(bad)")
            #expect(refusedField(["verb": "list", "version": "v1", "resource": "pods", "namespace": .string(bad)]) == "namespace", "\(bad)")
        }
        // Label-named core kinds: 64 characters is one too many (plugins check their own kinds).
        #expect(refusedField(["verb": "get", "version": "v1", "resource": "services", "namespace": "a",
                              "name": .string(String(repeating: "a", count: 64))]) == "name")
        #expect(refusedField(["verb": "deletecollection", "version": "v1", "resource": "pods", "namespace": "a"]) == "verb")
        #expect(refusedField(["verb": "delete", "version": "v1", "resource": "pods", "namespace": "a"]) == "name")
        #expect(refusedField(["verb": "list", "version": "v1", "resource": "pods", "namespace": "a", "query": ["watch": "true"]]) == "query.watch")
        #expect(refusedField(["verb": "get", "version": "v1", "resource": "../secrets", "name": "x"]) == "resource")
    }

    @Test func pathFormIsAcceptedOnlyWhenCanonical() throws {
        let ok = try ClusterRequestParser.parse(method: "DELETE", path: "/apis/trainer.kubeflow.org/v1alpha1/namespaces/dev/trainjobs/x", query: []).get()
        #expect(ok.verb == "delete" && ok.resource?.name == "x" && ok.resource?.namespace == "dev")
        for bad in ["/apis/trainer.kubeflow.org/v1alpha1/namespaces/dev/trainjobs/../../../ml-team-prod/trainjobs/v",
                    "/apis/authorization.k8s.io/../../apis/trainer.kubeflow.org/v1alpha1/namespaces/p/trainjobs/v",
                    "/api/v1/namespaces/dev/pods/", "/api/v1//namespaces/dev/pods", "/api/v1/namespaces/dev/pods/x%2Fy",
                    "/api/v1/namespaces/dev/pods?x=1", "/api/v1/namespaces/dev/pods#x", "/api/v1/namespaces/./pods",
                    "/api/v1/namespaces/dev/pods/x;y", "api/v1/pods"] {
            if case .success(let r) = ClusterRequestParser.parse(method: "DELETE", path: bad, query: []) {
                Issue.record("accepted \(bad) as \(r.summary)")
            }
        }
        // DELETE of a collection (empty name) is never a thing.
        #expect((try? ClusterRequestParser.parse(method: "DELETE", path: "/apis/trainer.kubeflow.org/v1alpha1/namespaces/dev/trainjobs", query: []).get()) == nil)
        let version = try ClusterRequestParser.parse(method: "GET", path: "/version", query: []).get()
        #expect(version.resource == nil && version.path == "/version")
        #expect((try? ClusterRequestParser.parse(method: "POST", path: "/version", query: []).get()) == nil)
    }

    @Test func policyOnTheStructure() throws {
        var policy = Policy.unrestricted
        policy.namespaces = ["dev"]
        func denial(_ method: String, _ path: String, risk: ToolRisk = .destructive, _ p: Policy? = nil) -> String? {
            let spec = ToolSpec(name: "t", title: "t", description: "", category: "c", risk: risk, idempotent: false,
                                openWorld: false, inputSchema: ["type": "object"], outputSchema: nil, pluginID: "p")
            return ClusterGuard.denial(ClusterRequest(method: method, path: path), policy: p ?? policy, tool: spec, pluginID: "p",
                                       clusterReads: ["trainer.kubeflow.org/clustertrainingruntimes"])
        }
        #expect(denial("GET", "/api/v1/namespaces/dev/pods") == nil)
        #expect(denial("GET", "/api/v1/namespaces/prod/secrets") != nil)
        #expect(denial("GET", "/api/v1/secrets") != nil)  // all namespaces under an allowlist
        #expect(denial("GET", "/api/v1/nodes") == nil)
        // Cluster-scoped reads plugins may declare: never core or k8s.io kinds.
        #expect(KubeNames.isDeclarableResource("trainer.kubeflow.org/clustertrainingruntimes"))
        #expect(!KubeNames.isDeclarableResource("/secrets"))
        #expect(!KubeNames.isDeclarableResource("apps/deployments"))
        #expect(!KubeNames.isDeclarableResource("rbac.authorization.k8s.io/clusterroles"))
        #expect(!KubeNames.isDeclarableResource("a.b/x/y"))
        #expect(denial("GET", "/apis/trainer.kubeflow.org/v1alpha1/clustertrainingruntimes") == nil)
        #expect(denial("GET", "/api/v1/namespaces/prod") != nil)
        #expect(denial("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews") == nil)
        #expect(denial("DELETE", "/apis/trainer.kubeflow.org/v1alpha1/clustertrainingruntimes/x") != nil)
        // A read_only tool that writes is refused naming the plugin, whatever the policy.
        let sneaky = denial("DELETE", "/apis/trainer.kubeflow.org/v1alpha1/namespaces/dev/trainjobs/v", risk: .readOnly, .unrestricted)
        #expect(sneaky?.contains("Plugin 'p'") == true)
        #expect(denial("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", risk: .readOnly, .unrestricted) == nil)
        var readOnly = Policy.unrestricted
        readOnly.readOnly = true
        #expect(denial("PATCH", "/api/v1/namespaces/dev/configmaps/x", readOnly) != nil)
        #expect(denial("GET", "/api/v1/namespaces/dev/configmaps/x", readOnly) == nil)
    }
}

@Suite struct KubeResponseTextTests {
    @Test func jsonBodiesPassAsTheyCame() throws {
        let body = Array(#" {"items":[{"name":"a}]\"{"}],"n":1} "#.utf8)
        let answer = KubeResponse(status: 200, body: body)
        #expect(answer.text == "{\"body\":" + String(decoding: body, as: UTF8.self) + ",\"status\":200}")
        #expect(try JSON.parse(answer.text) == answer.json)
        #expect(answer.bodyJSON["items"]?[0]?["name"] == "a}]\"{")
    }

    @Test(arguments: [#"{"a":1}, "status": 500, "b": {}"#, #"{"a":1}}"#, "{\"a\":\"\u{0}\"}", "plain log line", "42", "{"])
    func anythingElseIsParsedFirst(_ text: String) throws {
        let answer = KubeResponse(status: 200, body: Array(text.utf8), error: KubeError(reason: "X", message: "m"))
        #expect(answer.text == answer.json.serialized())
        let envelope = try JSON.parse(answer.text)
        #expect(envelope["status"] == 200 && envelope["error"]?["reason"] == "X")
        #expect(envelope == answer.json)
    }

    @Test(arguments: ["v1", "v2", "v10", "v1alpha1", "v1beta2", "v2beta30", "v9alpha10"])
    func apiVersionsLikeKubernetesOnes(version: String) {
        #expect(KubeNames.versionProblem(version) == nil)
    }

    @Test(arguments: ["", "v", "v0", "v01", "1", "V1", "v1alpha", "v1alpha0", "v1gamma1", "v1beta1x", "v1 ", " v1",
                      "v1\n", "v1alpha1beta1", "v1/", "v1%2F", "vv1", "v1alpha01"])
    func otherAPIVersionsAreRefused(version: String) {
        #expect(KubeNames.versionProblem(version) != nil)
    }
}
