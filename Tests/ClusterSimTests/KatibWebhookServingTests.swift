import ClusterSim
import Foundation
import KFJSON
import Testing

/// Katib's webhooks as a client meets them through the simulator's API: denials in
/// kube-apiserver's shape, defaults stored, the collector sidecar in trial pods, and the
/// objective taken from what the trial printed.
@Suite("Katib webhooks served") struct KatibWebhookServingTests {
    private let experiments = "/apis/kubeflow.org/v1beta1/namespaces/ml-team-dev/experiments"

    /// What the SDK's OptimizerClient.optimize sends (no defaults filled in).
    private func experiment(_ name: String = "tune", change: (inout JSON) -> Void = { _ in }) -> JSON {
        var e: JSON = ["apiVersion": "kubeflow.org/v1beta1", "kind": "Experiment", "metadata": ["name": .string(name)], "spec": [
            "algorithm": ["algorithmName": "random"], "maxTrialCount": 2, "parallelTrialCount": 2,
            "objective": ["type": "minimize", "objectiveMetricName": "loss", "additionalMetricNames": ["accuracy"]],
            "parameters": [["name": "lr", "parameterType": "double", "feasibleSpace": ["min": "0.0001", "max": "0.01"]]],
            "trialTemplate": ["primaryContainerName": "node", "retain": true,
                              "trialParameters": [["name": "lr", "reference": "lr"]],
                              "trialSpec": ["apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "TrainJob",
                                            "spec": ["runtimeRef": ["kind": "ClusterTrainingRuntime", "name": "torch-distributed"],
                                                     "trainer": ["numNodes": 2, "image": "pytorch/pytorch",
                                                                 "command": ["bash", "-c", "torchrun train.py --lr=${trialParameters.lr}"]]]]],
        ]]
        change(&e)
        return e
    }

    private static let denied = "admission webhook \"validator.experiment.katib.kubeflow.org\" denied the request: "

    @Test func deniesWhatKatibDeniesWithItsReason() async throws {
        try await withSimulator { _, client in
            let cases: [(JSON, String)] = [
                (experiment { $0.set("magic", at: ["spec", "algorithm", "algorithmName"]) },
                 "spec.algorithm.algorithmName: Invalid value: \"magic\": unable to get Suggestion config data for algorithm "
                    + "magic: failed to find suggestion config for algorithm: magic in ConfigMap: katib-config"),
                (experiment { $0.set(.null, at: ["spec", "objective"]) }, "spec.objective: Required value: must be specified"),
                (experiment { $0.set(5, at: ["spec", "parallelTrialCount"]) },
                 "spec.parallelTrialCount: Invalid value: 5: should be less than or equal to spec.maxTrialCount"),
            ]
            for (body, reason) in cases {
                let reply = try await client.send("POST", experiments, body: body)
                #expect(reply.status == 400, "\(reply.body)")
                #expect(reply.json["message"]?.string == Self.denied + reason)
                #expect(reply.json["reason"] == nil && reply.json["code"] == 400 && reply.json["status"] == "Failure")
                // A dry run is denied alike (the webhooks have no side effects), and nothing is kept.
                #expect(try await client.send("POST", experiments + "?dryRun=All", body: body).status == 400)
            }
            #expect(try await client.get(experiments).json["items"]?.array?.isEmpty == true)
        }
    }

    /// Hostile and malformed bodies: each is denied by a webhook (or the API server), never crashes it.
    @Test func malformedExperimentsAreDeniedNotCrashed() async throws {
        try await withSimulator { _, client in
            let defaulter = "admission webhook \"defaulter.experiment.katib.kubeflow.org\" denied the request: "
            let typed: [(JSON, String)] = [
                (experiment { $0["spec"] = "all of it" },
                 "json: cannot unmarshal string into Go struct field Experiment.spec of type v1beta1.ExperimentSpec"),
                (experiment { $0["spec"]?["maxTrialCount"] = "5" },
                 "json: cannot unmarshal string into Go struct field ExperimentSpec.spec.maxTrialCount of type int32"),
                (experiment { $0["spec"]?["parallelTrialCount"] = 4_294_967_296 },
                 "json: cannot unmarshal number into Go struct field ExperimentSpec.spec.parallelTrialCount of type int32"),
                (experiment { $0["spec"]?["parameters"] = ["lr": "0.1"] },
                 "json: cannot unmarshal object into Go struct field ExperimentSpec.spec.parameters of type []v1beta1.ParameterSpec"),
                (experiment { $0["spec"]?["trialTemplate"]?["trialParameters"] = ["lr"] },
                 "json: cannot unmarshal string into Go struct field TrialTemplate.spec.trialTemplate.trialParameters of type v1beta1.TrialParameterSpec"),
                (experiment { $0["spec"]?["trialTemplate"]?["trialSpec"] = "kind: TrainJob" },
                 "json: cannot unmarshal string into Go struct field TrialTemplate.spec.trialTemplate.trialSpec of type unstructured.Unstructured"),
            ]
            for (body, reason) in typed {
                let reply = try await client.send("POST", experiments, body: body)
                #expect(reply.status == 400 && reply.json["message"]?.string == defaulter + reason, "\(reply.body)")
            }
            let odd: [JSON] = [
                experiment { $0["spec"]?["parameters"] = [["name": "lr", "parameterType": "double", "feasibleSpace": "wide"]] },
                experiment { $0["spec"]?["trialTemplate"]?["trialParameters"] = [["name": "${trialParameters.lr}", "reference": "lr"]] },
                experiment { $0["spec"]?["metricsCollectorSpec"] = ["collector": ["kind": "File"],
                                                                    "source": ["filter": ["metricsFormat": ["(a+)+$", "["]]]] },
                experiment { $0["metadata"]?["name"] = "tune\u{0}x" },
            ]
            for body in odd {
                let reply = try await client.send("POST", experiments, body: body)
                #expect([400, 422].contains(reply.status), "\(reply.body.prefix(300))")
            }
            #expect(try await client.get(experiments).json["items"]?.array?.isEmpty == true)
            // Katib sets no limit on a metric's name: a long one is admitted (and costs nothing).
            let long = experiment { $0["spec"]?["objective"]?["objectiveMetricName"] = .string(String(repeating: "x", count: 100_000)) }
            #expect(try await client.send("POST", experiments + "?dryRun=All", body: long).status == 201)
        }
    }

    @Test func deniesExperimentsOutsideAKatibNamespace() async throws {
        try await withSimulator { _, client in
            #expect(try await client.send("POST", "/api/v1/namespaces", body: ["metadata": ["name": "plain"]]).status == 201)
            let reply = try await client.send("POST", "/apis/kubeflow.org/v1beta1/namespaces/plain/experiments", body: experiment())
            #expect(reply.status == 400)
            #expect(reply.json["message"]?.string == Self.denied + "Cannot create the Experiment \"tune\" in namespace \"plain\": "
                        + "the namespace lacks label \"katib.kubeflow.org/metrics-collector-injection: enabled\"")
        }
    }

    @Test func defaultsAreStoredAndEditsAreLimited() async throws {
        try await withSimulator { _, client in
            // Left out, parallelTrialCount becomes 3: more than 2 trials in all would then be denied.
            let body = experiment {
                $0["spec"]?["parallelTrialCount"] = nil
                $0["spec"]?["maxTrialCount"] = 4
            }
            let created = try await client.send("POST", experiments, body: body)
            #expect(created.status == 201, "\(created.body)")
            let spec = created.json["spec"] ?? [:]
            #expect(spec["parallelTrialCount"] == 3)
            #expect(spec["resumePolicy"] == "Never" && spec["metricsCollectorSpec"] == ["collector": ["kind": "StdOut"]])
            #expect(spec["objective"]?["metricStrategies"] == [["name": "loss", "value": "min"], ["name": "accuracy", "value": "min"]])
            #expect(spec["trialTemplate"]?["primaryPodLabels"] == ["jobset.sigs.k8s.io/replicatedjob-name": "node"])
            let patch = try await client.send("PATCH", experiments + "/tune", body: ["spec": ["algorithm": ["algorithmName": "grid"]]],
                                              contentType: "application/merge-patch+json")
            #expect(patch.status == 400)
            #expect(patch.json["message"]?.string?.contains("only spec.parallelTrialCount, spec.maxTrialCount and spec.maxFailedTrialCount are editable") == true)
        }
    }

    /// A trainer with neither command nor args cannot be wrapped (upstream would read its image's
    /// entrypoint from the registry): no collector, nothing reported, each trial MetricsUnavailable.
    @Test func trialsWithoutCollectedMetricsAreMetricsUnavailable() async throws {
        try await withSimulator(timeScale: 1000) { _, client in
            let body = experiment("bare") {
                $0.set(["image": "pytorch/pytorch", "env": [["name": "LR", "value": "${trialParameters.lr}"]]],
                       at: ["spec", "trialTemplate", "trialSpec", "spec", "trainer"])
            }
            #expect(try await client.send("POST", experiments, body: body).status == 201)
            var done: JSON = [:]
            #expect(try await eventually(30) {
                done = try await client.get(experiments + "/bare").json
                return (done["status"]?["conditions"]?.array ?? []).contains { $0["type"] == "Succeeded" && $0["status"] == "True" }
            })
            #expect(done["status"]?["trialMetricsUnavailable"] == 2 && done["status"]?["trialsSucceeded"] == 0)
            #expect(done["status"]?["currentOptimalTrial"]?["bestTrialName"] == nil)
            let trials = try await client.get("/apis/kubeflow.org/v1beta1/namespaces/ml-team-dev/trials").json["items"]?.array ?? []
            #expect(trials.allSatisfy { t in
                (t["status"]?["conditions"]?.array ?? []).contains { $0["type"] == "MetricsUnavailable" && $0["reason"] == "MetricsUnavailable" }
            })
        }
    }

    @Test func trialPodsCarryTheCollectorAndTheObjectiveComesFromTheirOutput() async throws {
        try await withSimulator(timeScale: 1000) { _, client in
            #expect(try await client.send("POST", experiments, body: experiment()).status == 201)
            var done: JSON = [:]
            #expect(try await eventually(30) {
                done = try await client.get(experiments + "/tune").json
                return (done["status"]?["conditions"]?.array ?? []).contains { $0["type"] == "Succeeded" && $0["status"] == "True" }
            })
            let best = done["status"]?["currentOptimalTrial"] ?? [:]
            let trialName = best["bestTrialName"]?.string ?? ""
            let pods = try await client.get("/api/v1/namespaces/ml-team-dev/pods?labelSelector=katib.kubeflow.org%2Ftrial%3D" + trialName)
                .json["items"]?.array ?? []
            let nodes = pods.filter { $0["metadata"]?["labels"]?["jobset.sigs.k8s.io/replicatedjob-name"] == "node" }
            #expect(nodes.count == 2)
            let pod = nodes[0]
            let containers = pod["spec"]?["containers"]?.array ?? []
            #expect(containers.map { $0["name"]?.string ?? "" } == ["node", "metrics-logger-and-collector"])
            #expect(pod["status"]?["containerStatuses"]?.array?.compactMap { $0["name"]?.string } == ["node", "metrics-logger-and-collector"])
            #expect(containers[0]["args"]?[0]?.string?.hasSuffix(" 1>/var/log/katib/metrics.log 2>&1 && echo completed > /var/log/katib/$$$$.pid") == true)
            let base = "/api/v1/namespaces/ml-team-dev/pods/\(pod["metadata"]?["name"]?.string ?? "")/log?container="
            // The trainer's output went to the metrics file: its own log is empty, the sidecar prints it.
            #expect(try await client.get(base + "node").body.isEmpty)
            let logged = try await client.get(base + "metrics-logger-and-collector").body.components(separatedBy: "\n")
            #expect(logged.first?.hasSuffix("] Trial Name: \(trialName)") == true)
            let epochs = logged.filter { $0.contains("] epoch=") }
            #expect(epochs.count == 3, "\(logged)")
            #expect(logged.contains { $0.contains("] Metrics reported. :") })
            // The objective is the least loss printed (minimize → min), from the trial's own lines.
            let printed = epochs.compactMap { line in line.components(separatedBy: " ").first { $0.hasPrefix("loss=") }?.dropFirst(5) }
                .compactMap { Double($0) }
            let observed = best["observation"]?["metrics"]?.array?.first { $0["name"] == "loss" }
            #expect(observed?["min"]?.string.flatMap(Double.init) == printed.min())
            #expect(observed?["latest"]?.string.flatMap(Double.init) == printed.last)
        }
    }
}
