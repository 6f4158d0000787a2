import Foundation
import KFJSON
import Testing
@testable import ClusterSim

/// Where the simulator must be as strict as a real cluster: scheduling pod by pod,
/// metadata validation, the fail hook, and the pieces behind them.
@Suite struct FidelityTests {
    private let podsPath = "/api/v1/namespaces/ml-team-dev/pods"

    private func pods(_ client: SimClient, job: String) async throws -> [JSON] {
        let q = "jobset.sigs.k8s.io/jobset-name=\(job)".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        return try await client.get(podsPath + "?labelSelector=" + q).json["items"]?.array ?? []
    }

    @Test func podsThatFitStartWhileTheOthersWait() async throws {
        // 3 nodes × 8 GPUs asked of a cluster whose largest node has 8: the default scheduler
        // places the pod that fits and leaves the rest Pending (no gang unless the runtime asks).
        try await withSimulator { _, client in
            #expect(try await client.send("POST", trainJobs, body: trainJob("wide", numNodes: 3, gpus: 8)).status == 201)
            var placed: [JSON] = []
            #expect(try await eventually {
                placed = try await pods(client, job: "wide").filter { $0["spec"]?["nodeName"] != nil }
                return placed.count == 1
            })
            #expect(placed[0]["spec"]?["nodeName"] == "gpu-h100-node-1")
            let events = try await client.get("/api/v1/namespaces/ml-team-dev/events").json["items"]?.array ?? []
            let messages = events.filter { $0["reason"] == "FailedScheduling" }.compactMap { $0["message"]?.string }
            #expect(messages.count == 2)
            #expect(messages.allSatisfy { $0.hasPrefix("0/4 nodes are available: ") && $0.contains("Insufficient nvidia.com/gpu") })
        }
    }

    @Test func invalidMetadataIsA422LikeKubeAPIServer() async throws {
        try await withSimulator { _, client in
            var body = trainJob("labelled")
            body.set(["bad key!": "x", "ok": .string(String(repeating: "v", count: 64))], at: ["metadata", "labels"])
            let r = try await client.send("POST", trainJobs, body: body)
            #expect(r.status == 422)
            let status = r.json
            #expect(status["reason"] == "Invalid")
            let causes = status["details"]?["causes"]?.array ?? []
            #expect(causes.count == 2)
            #expect(causes.allSatisfy { $0["field"] == "metadata.labels" })
            #expect(status["message"]?.string?.hasPrefix("TrainJob.trainer.kubeflow.org \"labelled\" is invalid: [") == true)
        }
    }

    @Test func runtimePatchesMergeIntoThePodTemplate() {
        let runtime: JSON = ["name": "node", "template": ["spec": ["template": [
            "metadata": ["labels": ["a": "1"]],
            "spec": ["containers": [["name": "node", "image": "x", "env": [["name": "A", "value": "1"]]]],
                     "nodeSelector": ["zone": "z1"]],
        ]]]]
        let patch: JSON = ["manager": "m", "trainingRuntimeSpec": ["template": ["spec": ["replicatedJobs": [[
            "name": "node", "template": ["spec": ["template": [
                "metadata": ["labels": ["b": "2"]],
                "spec": ["serviceAccountName": "sa", "nodeSelector": ["gpu": "h100"],
                         "tolerations": [["key": "k", "operator": "Exists"]],
                         "containers": [["name": "node", "env": [["name": "A", "value": "2"], ["name": "B", "value": "3"]]],
                                        ["name": "absent", "env": [["name": "C", "value": "4"]]]]],
            ]]],
        ]]]]]]
        let t = PodTemplate.resolve(runtimeReplicatedJob: runtime, patches: [patch])
        #expect(t["metadata"]?["labels"] == ["a": "1", "b": "2"])
        #expect(t["spec"]?["serviceAccountName"] == "sa")
        #expect(t["spec"]?["nodeSelector"] == ["zone": "z1", "gpu": "h100"])
        #expect(t["spec"]?["tolerations"]?.array?.count == 1)
        #expect(t["spec"]?["containers"]?.array?.count == 1)
        #expect(t["spec"]?["containers"]?[0]?["env"] == [["name": "A", "value": "2"], ["name": "B", "value": "3"]])
    }

    @Test func failureComesFromTheHookNeverFromTheCommand() {
        let runtime: JSON = ["metadata": ["name": "torch-distributed"], "spec": ["mlPolicy": ["torch": [:]]]]
        let pip: JSON = ["command": ["bash", "-c", "pip install x || { echo failed; exit 1; }\nFAIL=1 python train.py"]]
        let quiet = Workload(trainJob: [:], runtime: runtime, numNodes: 1, trainer: pip)
        #expect(quiet.failStep(total: 120) == nil)
        let asked = Workload(trainJob: [:], runtime: runtime, numNodes: 1,
                             trainer: ["env": [["name": "KFMCP_SIM_FAIL", "value": "30"]]])
        #expect(asked.failStep(total: 120) == 30)
    }

    @Test func schedulingMessagesCountReasonsLikeKubeScheduler() {
        let message = NodeFit.failedSchedulingMessage([NodeFit.selectorMismatch, NodeFit.insufficientGPU,
                                                       NodeFit.selectorMismatch])
        #expect(message == "0/3 nodes are available: 1 Insufficient nvidia.com/gpu, 2 node(s) didn't match Pod's node "
            + "affinity/selector. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, "
            + "2 Preemption is not helpful for scheduling.")
    }
}
