import ClusterSim
import Foundation
import KFJSON
import Testing

/// Trainer v2.3.0's validating webhooks as the simulator runs them: over HTTP, a denial is
/// kube-apiserver's 403 Status with the webhook's name and reason.
@Suite("Trainer admission webhooks")
struct AdmissionWebhookTests {
    static let clusterRuntimes = "/apis/trainer.kubeflow.org/v1alpha1/clustertrainingruntimes"

    @Test func aTrainJobNamingNoRuntimeIsDeniedWith403() async throws {
        try await withSimulator { _, client in
            let reply = try await client.send("POST", trainJobs, body: trainJob("orphan", runtime: "no-such-runtime"))
            #expect(reply.status == 403)
            let status = reply.json
            #expect(status["kind"] == "Status" && status["apiVersion"] == "v1" && status["status"] == "Failure")
            #expect(status["reason"] == "Forbidden" && status["code"] == 403)
            #expect(status["details"] == nil)  // controller-runtime's denial carries none
            #expect(status["message"]?.string == "admission webhook \"validator.trainjob.trainer.kubeflow.org\" denied the request: "
                + "spec.RuntimeRef: Invalid value: "
                + #"{"apiGroup":"trainer.kubeflow.org","kind":"ClusterTrainingRuntime","name":"no-such-runtime"}: "#
                + "clustertrainingruntimes.trainer.kubeflow.org \"no-such-runtime\" not found: "
                + "specified clusterTrainingRuntime must be created before the TrainJob is created")
            #expect(try await client.get(trainJobs + "/orphan").status == 404)
        }
    }

    @Test func initializersOnARuntimeWithoutInitializerJobsAreDenied() async throws {
        try await withSimulator { _, client in
            var job = trainJob("trl", runtime: "torch-distributed")
            job["spec"]?["initializer"] = ["model": ["storageUri": "hf://Qwen/Qwen2.5-0.5B"]]
            let reply = try await client.send("POST", trainJobs, body: job)
            #expect(reply.status == 403)
            #expect(reply.json["message"]?.string?.hasSuffix(
                "must have model-initializer job when trainJob is configured with input modelConfig") == true)
            // dryRun runs the webhooks too (sideEffects None).
            #expect(try await client.send("POST", trainJobs + "?dryRun=All", body: job).status == 403)
        }
    }

    /// A runtime patch by Kueue putting the node pods on nodes labelled a=`value`.
    static func nodeSelectorPatch(_ value: String) -> JSON {
        let pod: JSON = ["spec": ["nodeSelector": ["a": .string(value)]]]
        let rJob: JSON = ["name": "node", "template": ["spec": ["template": pod]]]
        return ["manager": "kueue.x-k8s.io/manager", "trainingRuntimeSpec": ["template": ["spec": ["replicatedJobs": [rJob]]]]]
    }

    @Test func runtimePatchesOfARunningJobAreForbiddenAndFreeWhileSuspended() async throws {
        try await withSimulator(timeScale: 20) { _, client in
            var job = trainJob("patched", gpus: 1)
            job["spec"]?["runtimePatches"] = [Self.nodeSelectorPatch("b")]
            #expect(try await client.send("POST", trainJobs, body: job).status == 201)
            // The defaulting webhook stamps each patch with its time.
            let stamped = try await client.get(trainJobs + "/patched").json["spec"]?["runtimePatches"]?[0]?["time"]?.string
            #expect(stamped?.hasSuffix("Z") == true)
            let change: JSON = ["spec": ["runtimePatches": [Self.nodeSelectorPatch("c")]]]
            let running = try await client.send("PATCH", trainJobs + "/patched", body: change, contentType: "application/merge-patch+json")
            #expect(running.status == 403)
            #expect(running.json["message"]?.string == "admission webhook \"validator.trainjob.trainer.kubeflow.org\" denied the request: "
                + "spec.runtimePatches: Forbidden: RuntimePatches can only be modified when the TrainJob is suspended before or after the update")
            // Suspended and its pods gone: the same change is admitted.
            _ = try await client.send("PATCH", trainJobs + "/patched", body: ["spec": ["suspend": true]], contentType: "application/merge-patch+json")
            let podsPath = "/api/v1/namespaces/ml-team-dev/pods?labelSelector=" + "jobset.sigs.k8s.io/jobset-name=patched"
                .addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            #expect(try await eventually {
                (try await client.get(podsPath).json["items"]?.array ?? []).allSatisfy {
                    !["Pending", "Running"].contains($0["status"]?["phase"]?.string ?? "")
                }
            })
            #expect(try await client.send("PATCH", trainJobs + "/patched", body: change, contentType: "application/merge-patch+json").status == 200)
            // Status writes are not the webhook's (it is registered for trainjobs, not trainjobs/status).
            #expect(try await client.send("PATCH", trainJobs + "/patched/status", body: ["status": ["conditions": []]],
                                          contentType: "application/merge-patch+json").status == 200)
        }
    }

    @Test func clusterTrainingRuntimeWebhookChecksStepJobs() async throws {
        try await withSimulator { _, client in
            let node: JSON = ["name": "node", "replicas": 2,
                              "template": ["metadata": ["labels": ["trainer.kubeflow.org/trainjob-ancestor-step": "trainer"]],
                                           "spec": ["template": ["spec": ["containers": [["name": "trainer", "image": "x"]]]]]]]
            var runtime: JSON = ["apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "ClusterTrainingRuntime",
                                 "metadata": ["name": "bad-steps"],
                                 "spec": ["mlPolicy": ["numNodes": 1, "torch": [:]], "template": ["spec": ["replicatedJobs": [node]]]]]
            let reply = try await client.send("POST", Self.clusterRuntimes, body: runtime)
            #expect(reply.status == 403)
            let message = reply.json["message"]?.string ?? ""
            #expect(message.hasPrefix("admission webhook \"validator.clustertrainingruntime.trainer.kubeflow.org\" denied the request: ["
                                      + "spec.template.spec.replicatedJobs[0].replicas: Invalid value: 2: always must be 1, "))
            #expect(message.hasSuffix("must contain the required container for the ancestor: trainer]"))
            // The built-in runtimes' label keeps them away from the webhook (the manifests' objectSelector).
            runtime["metadata"]?["labels"] = ["trainer.kubeflow.org/webhook-validation": "disabled"]
            #expect(try await client.send("POST", Self.clusterRuntimes, body: runtime).status == 201)
        }
    }
}
