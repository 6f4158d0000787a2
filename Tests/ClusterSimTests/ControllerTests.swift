import ClusterSim
import Foundation
import KFJSON
import Testing

@Suite("TrainJob lifecycle") struct ControllerTests {
    private let podsPath = "/api/v1/namespaces/ml-team-dev/pods"

    private func pods(_ client: SimClient, job: String) async throws -> [JSON] {
        let selector = "jobset.sigs.k8s.io/jobset-name=\(job),jobset.sigs.k8s.io/replicatedjob-name in (dataset-initializer, model-initializer, launcher, node)"
        let q = selector.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        return try await client.get(podsPath + "?labelSelector=" + q).json["items"]?.array ?? []
    }

    @Test func torchJobRunsToCompleteWithLogsEventsAndProgress() async throws {
        try await withSimulator(timeScale: 300) { _, client in
            #expect(try await client.send("POST", trainJobs, body: trainJob("llm", numNodes: 2, gpus: 4,
                                                                             env: ["EPOCHS": "3"])).status == 201)
            var nodePods: [JSON] = []
            #expect(try await eventually {
                nodePods = try await pods(client, job: "llm")
                return nodePods.count == 2
            })
            let podName = nodePods.map(\.name).sorted()[0]
            #expect(podName.hasPrefix("llm-node-0-0-"))
            #expect(nodePods.allSatisfy {
                $0.value(at: ["spec", "containers"])?[0]?["resources"]?["limits"]?["nvidia.com/gpu"] == "4"  // pods hold quantities as strings
            })
            #expect(try await eventually { conditionTypes(try await client.get(trainJobs + "/llm").json) == ["Complete"] })
            let job = try await client.get(trainJobs + "/llm").json
            // v2.3.0 writes trainerStatus only with the TrainJobStatus gate and a trainer that reports.
            #expect(job.value(at: ["status", "trainerStatus"]) == nil)
            #expect(job.value(at: ["status", "conditions"])?[0]?["reason"] == "AllJobsCompleted")
            #expect(job.value(at: ["status", "jobsStatus"])?[0]?["succeeded"] == 1)
            let finished = try await pods(client, job: "llm")
            #expect(finished.allSatisfy { $0["status"]?["phase"] == "Succeeded" })

            let rank0 = finished.first { $0["metadata"]?["labels"]?["batch.kubernetes.io/job-completion-index"] == "0" }!
            let log = try await client.get(podsPath + "/\(rank0.name)/log?container=node")
            #expect(log.status == 200)
            #expect(log.body.contains("step 10/120 | epoch 1/3 | loss "))
            #expect(log.body.contains("Training complete"))
            let tail = try await client.get(podsPath + "/\(rank0.name)/log?container=node&tailLines=1")
            #expect(tail.body.split(separator: "\n").count == 1)

            let events = try await client.get("/api/v1/namespaces/ml-team-dev/events").json["items"]?.array ?? []
            let kinds = Set(events.compactMap { $0["involvedObject"]?["kind"]?.string })
            #expect(kinds.isSuperset(of: ["TrainJob", "JobSet", "Job", "Pod"]))
        }
    }

    @Test func torchtuneRunsInitializersFirst() async throws {
        try await withSimulator(timeScale: 300) { _, client in
            #expect(try await client.send("POST", trainJobs, body: trainJob("tune", runtime: "torchtune-llama3.2-1b")).status == 201)
            #expect(try await eventually { conditionTypes(try await client.get(trainJobs + "/tune").json) == ["Complete"] })
            let all = try await pods(client, job: "tune")
            let roles = Set(all.compactMap { $0["metadata"]?["labels"]?["jobset.sigs.k8s.io/replicatedjob-name"]?.string })
            #expect(roles == ["dataset-initializer", "model-initializer", "node"])
            let dataset = all.first { $0["metadata"]?["labels"]?["jobset.sigs.k8s.io/replicatedjob-name"] == "dataset-initializer" }!
            let log = try await client.get(podsPath + "/\(dataset.name)/log?container=dataset-initializer").body
            #expect(log.contains("hf://tatsu-lab/alpaca"))
        }
    }

    @Test func failingJobGetsFailedCondition() async throws {
        try await withSimulator(timeScale: 300) { _, client in
            _ = try await client.send("POST", trainJobs, body: trainJob("boom", env: ["KFMCP_SIM_FAIL": "1"]))
            #expect(try await eventually { conditionTypes(try await client.get(trainJobs + "/boom").json) == ["Failed"] })
            let pod = try await pods(client, job: "boom")[0]
            #expect(pod["status"]?["phase"] == "Failed")
            let log = try await client.get(podsPath + "/\(pod.name)/log?container=node").body
            #expect(log.contains("Traceback"))
        }
    }

    @Test func suspendAndResume() async throws {
        try await withSimulator(timeScale: 20) { _, client in
            _ = try await client.send("POST", trainJobs, body: trainJob("pause", gpus: 1))
            #expect(try await eventually { try await pods(client, job: "pause").first?["status"]?["phase"] == "Running" })
            _ = try await client.send("PATCH", trainJobs + "/pause", body: ["spec": ["suspend": true]],
                                      contentType: "application/merge-patch+json")
            #expect(try await eventually {
                let job = try await client.get(trainJobs + "/pause").json
                let suspended = job["status"]?["conditions"]?.array?.first { $0["type"] == "Suspended" }
                return suspended?["status"] == "True" && suspended?["reason"] == "Suspended"
            })
            #expect(try await eventually { try await pods(client, job: "pause").isEmpty })
            _ = try await client.send("PATCH", trainJobs + "/pause", body: ["spec": ["suspend": false]],
                                      contentType: "application/merge-patch+json")
            #expect(try await eventually {
                let job = try await client.get(trainJobs + "/pause").json
                let suspended = job["status"]?["conditions"]?.array?.first { $0["type"] == "Suspended" }
                return suspended?["status"] == "False" && suspended?["reason"] == "Resumed"
            })
            #expect(try await eventually { try await pods(client, job: "pause").count == 1 })
        }
    }

    @Test func jobWaitsForFreeGPUs() async throws {
        try await withSimulator(timeScale: 40) { _, client in
            // 16 GPUs in the cluster: the H100 node (8) takes "big", the A100s (4+4) can't host 8 per node.
            _ = try await client.send("POST", trainJobs, body: trainJob("big", gpus: 8))
            #expect(try await eventually { try await pods(client, job: "big").first?["status"]?["phase"] == "Running" })
            _ = try await client.send("POST", trainJobs, body: trainJob("waiter", gpus: 8))
            try await Task.sleep(nanoseconds: 400_000_000)
            let waiting = try await pods(client, job: "waiter")
            #expect(waiting.count == 1 && waiting[0]["status"]?["phase"] == "Pending")
            #expect(try await client.get(trainJobs + "/waiter").json["status"]?["conditions"] == nil)
            // when "big" is deleted, its GPUs free up and "waiter" starts
            _ = try await client.send("DELETE", trainJobs + "/big")
            #expect(try await eventually { try await pods(client, job: "waiter").first?["status"]?["phase"] == "Running" })
        }
    }

    @Test func watchStreamsEvents() async throws {
        try await withSimulator(timeScale: 300) { _, client in
            async let stream = client.get(trainJobs + "?watch=true&timeoutSeconds=2")
            try await Task.sleep(nanoseconds: 200_000_000)
            _ = try await client.send("POST", trainJobs, body: trainJob("watched", suspend: true))
            let body = try await stream.body
            let events = body.split(separator: "\n").compactMap { try? JSON.parse(String($0)) }
            #expect(events.first?["type"] == "ADDED")
            #expect(events.first?["object"]?["metadata"]?["name"] == "watched")
            #expect(events.contains { $0["type"] == "MODIFIED" })
        }
    }

    @Test func followLogsStreamUntilPodEnds() async throws {
        try await withSimulator(timeScale: 100) { _, client in
            _ = try await client.send("POST", trainJobs, body: trainJob("follow"))
            var name = ""
            #expect(try await eventually {
                let pod = try await pods(client, job: "follow").first
                name = pod?.name ?? ""
                return pod?["status"]?["phase"] == "Running"
            })
            let log = try await client.get(podsPath + "/\(name)/log?container=node&follow=True").body
            #expect(log.contains("step 120/120"))
            #expect(log.contains("Training complete"))
        }
    }
}
