import PluginKit
import Testing
@testable import MemoryKit
@testable import PlanningPlugin

/// Canned API answers by path; anything else is 404.
struct FakeCluster: ClusterReader {
    var answers: [String: K8sResponse]
    var allowed = true
    var allowedNamespaces: [String]? = nil

    func send(_ request: K8sRequest) -> K8sResponse {
        guard request.verb == "create" else {
            return answers[request.path] ?? K8sResponse(status: 404, errorMessage: "not found")
        }
        guard request.resource == .selfSubjectAccessReviews,
            request.body?["spec"]?["resourceAttributes"]?["resource"]?.string == "trainjobs" else { return K8sResponse(status: 404) }
        return K8sResponse(status: 201, body: ["status": ["allowed": .bool(allowed)]])
    }

    static func healthy() -> FakeCluster {
        FakeCluster(answers: [
            KubeRequests.trainerAPI.path: K8sResponse(status: 200, body: ["kind": "APIResourceList"]),
            KubeRequests.trainerPublicConfigMap.path: K8sResponse(status: 200, body: ["data": ["kubeflow_trainer_version": "2.3.0"]]),
            KubeRequests.clusterTrainingRuntime("torchtune-llama3.2-1b").path: K8sResponse(status: 200, body: [
                "metadata": ["name": "torchtune-llama3.2-1b", "labels": ["trainer.kubeflow.org/framework": "torchtune"]]]),
            KubeRequests.nodes.path: K8sResponse(status: 200, body: ["items": [node("gpu-1", "NVIDIA-A100-SXM4-80GB", 4)]]),
            K8sRequest.list(.pods).path: K8sResponse(status: 200, body: ["items": []]),
            KubeRequests.resourceQuotas("team").path: K8sResponse(status: 200, body: ["items": [[
                "metadata": ["name": "gpu-quota"], "spec": ["hard": ["requests.nvidia.com/gpu": "8"]],
                "status": ["used": ["requests.nvidia.com/gpu": "6"]]]]]),
            KubeRequests.secret("team", "hf-token").path: K8sResponse(status: 200, body: ["data": ["token": "aGZf"]]),
        ])
    }
}

private let request = Prerequisites.Request(model: "hf://meta-llama/Llama-3.2-1B-Instruct", dataset: "hf://tatsu-lab/alpaca",
                                            runtime: "torchtune-llama3.2-1b", namespace: "team", gpusPerNode: 2,
                                            framework: "torchtune", backendID: "tt")

@Test func healthyClusterIsReady() {
    let report = Prerequisites(cluster: FakeCluster.healthy()).run(request, allowedNamespaces: nil)
    #expect(report.ready, "\(report.issues)")
    #expect(report.trainerVersion == "2.3.0")
    #expect(report.actionsNeeded.isEmpty)
    #expect(report.json["ready"] == .bool(true))
}

@Test func missingTokenForGatedModelNamesTheFix() {
    var cluster = FakeCluster.healthy()
    cluster.answers[KubeRequests.secret("team", "hf-token").path] = nil
    let report = Prerequisites(cluster: cluster).run(request, allowedNamespaces: nil)
    #expect(!report.ready)
    #expect(report.actionsNeeded.contains { $0.contains("setup_hf_credentials") })
}

@Test func quotaPermissionsAndGPUs() {
    var cluster = FakeCluster.healthy()
    cluster.allowed = false
    var r = request
    r.gpusPerNode = 4  // quota leaves 2
    r.perGPUBytes = 100 * 1_073_741_824  // more than an A100 holds
    let report = Prerequisites(cluster: cluster).run(r, allowedNamespaces: nil)
    let failed = Set(report.issues.filter { $0.severity == .error }.map(\.check))
    #expect(failed == ["gpu_quota", "permissions", "gpus"])
}

@Test func runtimeLookupIsNamespacedFirstAndChecksFramework() {
    var cluster = FakeCluster.healthy()
    cluster.answers[KubeRequests.trainingRuntime("team", "torchtune-llama3.2-1b").path] = K8sResponse(status: 200, body: [
        "metadata": ["labels": ["trainer.kubeflow.org/framework": "torch"]]])
    let report = Prerequisites(cluster: cluster).run(request, allowedNamespaces: nil)
    #expect(report.issues.contains { $0.check == "runtime" && $0.message.contains("framework=torch") })
    var missing = request
    missing.runtime = "nope"
    #expect(Prerequisites(cluster: FakeCluster.healthy()).run(missing, allowedNamespaces: nil)
        .issues.contains { $0.check == "runtime" && $0.fix.contains("list_training_runtimes") })
}

@Test func noCRDsOrUnreachableStopEarly() {
    var cluster = FakeCluster.healthy()
    cluster.answers[KubeRequests.trainerAPI.path] = nil
    let report = Prerequisites(cluster: cluster).run(request, allowedNamespaces: nil)
    #expect(report.issues.map(\.check) == ["trainer_crds"])
    cluster.answers[KubeRequests.trainerAPI.path] = K8sResponse(status: 0, errorMessage: "connection refused")
    #expect(Prerequisites(cluster: cluster).run(request, allowedNamespaces: nil).issues.map(\.check) == ["cluster"])
}

@Test func namespacePolicyAndURIs() {
    var r = request
    r.model = "gs://bucket/model"
    let report = Prerequisites(cluster: FakeCluster.healthy()).run(r, allowedNamespaces: ["other"])
    #expect(Set(report.issues.map(\.check)) == ["model_uri", "namespace_policy"])
}
