@testable import HostKubeGate
import Testing

@Suite struct ClusterGuardTests {
    @Test func namespaceOfAPath() {
        func ns(_ path: String) -> String? { ClusterGuard.namespace(of: ClusterRequest(method: "GET", path: path)) }
        #expect(ns("/api/v1/namespaces/ml/pods") == "ml")
        #expect(ns("/apis/trainer.kubeflow.org/v1alpha1/namespaces/dev/trainjobs/x") == "dev")
        #expect(ns("/api/v1/namespaces") == nil)
        #expect(ns("/api/v1/namespaces/ml") == "ml")
        #expect(ns("/api/v1/nodes") == nil)
    }
}
