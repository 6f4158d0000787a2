@testable import HostBase
@testable import HostKubeGate
import KFJSON
import Testing

/// `proxy_path`: a request through a Service's proxy (the Model Registry's
/// route), checked segment by segment; nothing in it may climb or cut the path.
@Suite struct ServiceProxyRequestTests {
    func request(_ path: JSON, verb: String = "get", name: String = "model-registry-service:8080",
                 resource: String = "services", subresource: String = "proxy") -> JSON {
        ["verb": .string(verb), "version": "v1", "resource": .string(resource), "namespace": "kubeflow", "name": .string(name),
         "subresource": .string(subresource), "proxy_path": path]
    }

    func refused(_ json: JSON) -> String? {
        if case .failure(let r) = ClusterRequestParser.parse(json) { return r.field }
        return nil
    }

    @Test func servicePathIsBuiltAndEncoded() throws {
        let r = try ClusterRequestParser.parse(request("api/model_registry/v1alpha3/registered_models", verb: "create")).get()
        #expect(r.method == "POST" && r.isServiceProxy && !r.isRead)
        #expect(r.path == "/api/v1/namespaces/kubeflow/services/model-registry-service%3A8080/proxy/api/model_registry/v1alpha3/registered_models")
        #expect(ClusterGuard.isWrite(r))
        let get = try ClusterRequestParser.parse(request("api/model_registry/v1alpha3/registered_model", name: "model-registry-service")).get()
        #expect(get.isRead && get.resource?.name == "model-registry-service")
    }

    @Test func hostileProxyPathsAreRefused() {
        for bad in ["..", "api/../../secrets", "api//x", "api/%2e%2e/x", "api/x?dryRun=All", "api/x#y", "/api/x", "api/x/",
                    "api/x y", "api/./x", "", "api/x;y", String(repeating: "a", count: 1025)] {
            #expect(refused(request(.string(bad))) == "proxy_path", "\(bad)")
        }
        #expect(refused(request(3)) == "proxy_path")
    }

    @Test func onlyServiceProxiesTakeAProxyPath() {
        #expect(refused(request("api/x", resource: "nodes")) == "proxy_path")
        #expect(refused(request("api/x", resource: "pods")) == "proxy_path")
        #expect(refused(request("api/x", subresource: "status")) == "proxy_path")
        #expect(refused(request("api/x", verb: "list")) == "verb")
        #expect(refused(request("api/x", verb: "watch")) == "verb")
        for bad in ["model-registry-service:8080:x", "../x", "x:", ":8080", "x:a/b", "X"] {
            #expect(refused(request("api/x", name: bad)) == "name", "\(bad)")
        }
    }

    @Test func pathFormReadsTheSameStructure() throws {
        let base = "/api/v1/namespaces/kubeflow/services/model-registry-service:8080/proxy/"
        let r = try ClusterRequestParser.parse(method: "PATCH", path: base + "api/model_registry/v1alpha3/model_versions/3", query: []).get()
        #expect(r.verb == "patch" && r.isServiceProxy && r.proxyPath.last == "3")
        #expect(r.path == "/api/v1/namespaces/kubeflow/services/model-registry-service%3A8080/proxy/api/model_registry/v1alpha3/model_versions/3")
        for bad in ["api/../x", "api//x", "api/%2e%2e", "api/x?y", "", "api/x/"] {
            if case .success = ClusterRequestParser.parse(method: "GET", path: base + bad, query: []) { Issue.record("accepted \(bad)") }
        }
        #expect((try? ClusterRequestParser.parse(method: "GET", path: "/api/v1/namespaces/kubeflow/services/a:b:c/proxy/x", query: []).get()) == nil)
        #expect((try? ClusterRequestParser.parse(method: "GET", path: "/api/v1/namespaces/Kube/services/a/proxy/x", query: []).get()) == nil)
    }
}
