import ClusterSim
import Foundation
import KFJSON
import Testing

/// The simulator's Katib: suggestions, trials as TrainJobs, counts, the best trial, deletion.
@Suite("Katib experiments") struct KatibControllerTests {
    private let experiments = "/apis/kubeflow.org/v1beta1/namespaces/ml-team-dev/experiments"
    private let trials = "/apis/kubeflow.org/v1beta1/namespaces/ml-team-dev/trials"

    private func experiment(_ name: String, algorithm: JSON, parameters: JSON, maxTrials: Int, parallel: Int,
                            maxFailed: Int? = nil, args: [String], failing: Bool = false) -> JSON {
        var spec: JSON = [
            "algorithm": algorithm, "maxTrialCount": .int(maxTrials), "parallelTrialCount": .int(parallel),
            "objective": ["type": "minimize", "objectiveMetricName": "loss"],
            "parameters": parameters,
            "trialTemplate": [
                "primaryContainerName": "node", "retain": true,
                "trialParameters": .array((parameters.array ?? []).map { ["name": $0["name"]!, "reference": $0["name"]!] }),
                "trialSpec": ["apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "TrainJob",
                              "spec": ["runtimeRef": ["kind": "ClusterTrainingRuntime", "name": "torch-distributed"],
                                       "trainer": failing
                                           // The simulator's documented failure hook, never the command's text.
                                           ? ["image": "busybox", "args": .array(args.map { .string($0) }),
                                              "env": [["name": "KFMCP_SIM_FAIL", "value": "1"]]]
                                           : ["image": "busybox", "args": .array(args.map { .string($0) })]]],
            ],
        ]
        if let maxFailed { spec["maxFailedTrialCount"] = .int(maxFailed) }
        return ["apiVersion": "kubeflow.org/v1beta1", "kind": "Experiment", "metadata": ["name": .string(name)], "spec": spec]
    }

    private func finished(_ client: SimClient, _ name: String) async throws -> JSON? {
        let e = try await client.get(experiments + "/" + name).json
        let done = (e["status"]?["conditions"]?.array ?? []).contains {
            ["Succeeded", "Failed"].contains($0["type"]?.string ?? "") && $0["status"] == "True"
        }
        return done ? e : Optional<JSON>.none  // not `nil`: JSON is nil-literal-expressible
    }

    private func trialsOf(_ client: SimClient, _ name: String) async throws -> [JSON] {
        try await client.get(trials + "?labelSelector=katib.kubeflow.org%2Fexperiment%3D" + name).json["items"]?.array ?? []
    }

    @Test func gridWalksEveryPointAndEndsWithTheBestTrial() async throws {
        try await withSimulator(timeScale: 1000) { _, client in
            let params: JSON = [
                ["name": "batch_size", "parameterType": "categorical", "feasibleSpace": ["list": ["8", "16"]]],
                ["name": "dropout", "parameterType": "double", "feasibleSpace": ["min": "0", "max": "0.2", "step": "0.1"]],
            ]
            let body = experiment("grid", algorithm: ["algorithmName": "grid"], parameters: params, maxTrials: 10,
                                  parallel: 3, args: ["--bs=${trialParameters.batch_size}", "--dropout=${trialParameters.dropout}"])
            #expect(try await client.send("POST", experiments, body: body).status == 201)
            var done: JSON?
            #expect(try await eventually(30) { done = try await finished(client, "grid"); return done != nil })
            let status = done?["status"] ?? [:]
            #expect(status["trialsSucceeded"] == 6)
            #expect((status["conditions"]?.array ?? []).contains { $0["reason"] == "ExperimentSuggestionEndReached" })
            let all = try await trialsOf(client, "grid")
            let points = Set(all.map { t in (t["spec"]?["parameterAssignments"]?.array ?? []).map { $0["value"]?.string ?? "" }.joined(separator: ",") })
            #expect(points == ["8,0.0", "8,0.1", "8,0.2", "16,0.0", "16,0.1", "16,0.2"])
            let loss = { (t: JSON) in Double(t["status"]?["observation"]?["metrics"]?[0]?["latest"]?.string ?? "") ?? .infinity }
            let best = all.min { loss($0) < loss($1) }!
            #expect(status["currentOptimalTrial"]?["bestTrialName"]?.string == best.name)
            // The trial's TrainJob is the template with the values in it.
            let job = try await client.get(trainJobs + "/" + best.name).json
            let args = job["spec"]?["trainer"]?["args"]?.array?.compactMap(\.string) ?? []
            #expect(args.count == 2 && !args.contains { $0.contains("${") })
        }
    }

    @Test func randomIsSeededFailuresStopItAndDeleteCascades() async throws {
        try await withSimulator(timeScale: 1000) { _, client in
            let params: JSON = [["name": "lr", "parameterType": "double",
                                 "feasibleSpace": ["min": "1e-05", "max": "0.01", "distribution": "logUniform"]]]
            let seeded: JSON = ["algorithmName": "random", "algorithmSettings": [["name": "random_state", "value": "7"]]]
            for name in ["one", "two"] {
                let body = experiment(name, algorithm: seeded, parameters: params, maxTrials: 3, parallel: 3,
                                      args: ["--lr=${trialParameters.lr}"])
                #expect(try await client.send("POST", experiments, body: body).status == 201)
            }
            let failing = experiment("failing", algorithm: seeded, parameters: params, maxTrials: 5, parallel: 1,
                                     maxFailed: 1, args: ["--lr=${trialParameters.lr}"], failing: true)
            #expect(try await client.send("POST", experiments, body: failing).status == 201)
            for name in ["one", "two", "failing"] {
                #expect(try await eventually(30) { try await finished(client, name) != nil })
            }
            let values = { (name: String) async throws -> Set<String> in
                Set(try await trialsOf(client, name).compactMap { $0["spec"]?["parameterAssignments"]?[0]?["value"]?.string })
            }
            #expect(try await values("one") == values("two"))
            #expect(try await values("one").count == 3)
            let failed = try await client.get(experiments + "/failing").json
            #expect(failed["status"]?["trialsFailed"] == 2)
            #expect((failed["status"]?["conditions"]?.array ?? []).contains { $0["reason"] == "ExperimentMaxFailedTrialsReached" })

            #expect(try await client.send("DELETE", experiments + "/one").status == 200)
            #expect(try await eventually { try await trialsOf(client, "one").isEmpty })
            let jobs = try await client.get(trainJobs + "?labelSelector=katib.kubeflow.org%2Fexperiment%3Done").json
            #expect(try await eventually {
                (try await client.get(trainJobs + "?labelSelector=katib.kubeflow.org%2Fexperiment%3Done").json["items"]?.array ?? []).isEmpty
            }, "\(jobs)")
            #expect(try await trialsOf(client, "two").count == 3)
        }
    }
}
