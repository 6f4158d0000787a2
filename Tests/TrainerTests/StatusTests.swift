import Testing
import KFJSON
import PluginKit
@testable import TrainerPlugin

@Suite struct StatusTests {
    func pod(_ name: String, role: String, index: Int? = nil, phase: String, created: String = "2026-09-01T10:00:00Z",
             container: String = "node", gpus: Int? = nil) -> JSON {
        var labels: JSON = ["jobset.sigs.k8s.io/jobset-name": "demo-job", "jobset.sigs.k8s.io/replicatedjob-name": .string(role)]
        if let index { labels["batch.kubernetes.io/job-completion-index"] = .string(String(index)) }
        var c: JSON = ["name": .string(container)]
        if let gpus { c["resources"] = ["limits": ["nvidia.com/gpu": .string(String(gpus))]] }
        return ["metadata": ["name": .string(name), "labels": labels, "creationTimestamp": .string(created)],
                "spec": ["containers": [c]], "status": ["phase": .string(phase)]]
    }

    @Test func stepsFromPodsNewestWins() {
        let pods = [
            pod("demo-job-node-0-0-old", role: "node", index: 0, phase: "Failed", created: "2026-09-01T09:00:00Z"),
            pod("demo-job-node-0-0-new", role: "node", index: 0, phase: "Running", gpus: 4),
            pod("demo-job-node-0-1-abcde", role: "node", index: 1, phase: "Running"),
            pod("demo-job-model-initializer-0-0-x", role: "model-initializer", index: 0, phase: "Succeeded",
                container: "model-initializer"),
        ]
        let steps = JobSteps.build(pods: pods, mpi: false)
        #expect(steps.map(\.name) == ["model-initializer", "node-0", "node-1"])
        #expect(steps[1].podName == "demo-job-node-0-0-new")
        #expect(steps[1].device == "gpu" && steps[1].deviceCount == "4")
        #expect(JobStatus.sdkStatus(trainJob: ["status": [:]], steps: steps, numNodes: 2) == "Running")
        #expect(JobStatus.sdkStatus(trainJob: [:], steps: steps, numNodes: 3) == "Created")
    }

    @Test func shownStatusAddsSuspendedAndRunningAfterResume() {
        let running = [JobStep(name: "node-0", status: "Running", podName: "p")]
        let suspended: JSON = ["spec": ["suspend": true],
                               "status": ["conditions": [["type": "Suspended", "status": "True"]]]]
        #expect(JobStatus.status(trainJob: suspended, steps: [], numNodes: 1) == "Suspended")
        // After a resume the controller leaves Suspended=False: the SDK says Created, we say Running.
        let resumed: JSON = ["status": ["conditions": [["type": "Suspended", "status": "False", "reason": "Resumed"]]]]
        #expect(JobStatus.sdkStatus(trainJob: resumed, steps: running, numNodes: 1) == "Created")
        #expect(JobStatus.status(trainJob: resumed, steps: running, numNodes: 1) == "Running")
        #expect(JobStatus.status(trainJob: resumed, steps: [], numNodes: 1) == "Created")
        let complete: JSON = ["spec": ["suspend": true], "status": ["conditions": [["type": "Complete", "status": "True"]]]]
        #expect(JobStatus.status(trainJob: complete, steps: [], numNodes: 1) == "Complete")
        // From the object alone (watch events): the trainer Job's ready pods or reported progress.
        #expect(JobStatus.objectStatus(["status": ["jobsStatus": [["name": "node", "ready": 1, "active": 1]]]]) == "Running")
        #expect(JobStatus.objectStatus(["status": ["jobsStatus": [["name": "node", "ready": 0, "active": 1]]]]) == "Created")
        // Pods done, the Complete condition not yet written: still Running, not back to Created.
        #expect(JobStatus.objectStatus(["status": ["jobsStatus": [["name": "node", "ready": 0, "succeeded": 1]]]]) == "Running")
        #expect(JobStatus.objectStatus(resumed) == "Created")
    }

    @Test func mpiLauncherIsNodeZero() {
        let steps = JobSteps.build(pods: [pod("l", role: "launcher", index: 0, phase: "Running"),
                                          pod("w", role: "node", index: 0, phase: "Running")], mpi: true)
        #expect(steps.map(\.name) == ["node-0", "node-1"])
        #expect(steps[0].podName == "l")
    }

    @Test func conditionsDecideAndRunningNeedsNoConditions() {
        let complete: JSON = ["status": ["conditions": [["type": "Complete", "status": "True"]]]]
        #expect(JobStatus.sdkStatus(trainJob: complete, steps: [], numNodes: 1) == "Complete")
        let suspended: JSON = ["status": ["conditions": [["type": "Suspended", "status": "True"]]]]
        let running = [JobStep(name: "node-0", status: "Running", podName: "p")]
        // A condition exists, so the SDK never says Running.
        #expect(JobStatus.sdkStatus(trainJob: suspended, steps: running, numNodes: 1) == "Created")
        #expect(JobStatus.isSuspended(suspended))
        #expect(JobStatus.numNodes(trainJob: ["spec": ["trainer": ["numNodes": 3]]], runtimeNodes: 1) == 3)
        #expect(JobStatus.numNodes(trainJob: [:], runtimeNodes: nil) == 1)
    }

    @Test func listSummariesGroupPodsByJob() {
        let jobs: [JSON] = [["metadata": ["name": "demo-job", "creationTimestamp": "2026-09-01T10:00:00Z"],
                             "spec": ["runtimeRef": ["name": "torch-distributed"], "trainer": ["numNodes": 2,
                                      "resourcesPerNode": ["limits": ["nvidia.com/gpu": 4.0]]]]]]
        let pods = [pod("a", role: "node", index: 0, phase: "Running"), pod("b", role: "node", index: 1, phase: "Running")]
        let rows = JobSummary.build(jobs: jobs, pods: pods, runtimes: [], now: KubeTime.seconds("2026-09-01T10:05:00Z")!)
        #expect(rows[0]["status"] == "Running")
        #expect(rows[0]["gpus"] == 8)
        #expect(rows[0]["age"] == "5m")
    }

    @Test func eventsFilterKeepsTheJobsObjects() {
        let events: [JSON] = [
            ["involvedObject": ["kind": "TrainJob", "name": "demo-job"], "reason": "Created", "message": "m",
             "lastTimestamp": "2026-09-01T10:00:00Z"],
            ["involvedObject": ["kind": "Pod", "name": "other-pod"], "reason": "Scheduled", "message": "m",
             "lastTimestamp": "2026-09-01T10:00:01Z"],
            ["involvedObject": ["kind": "Pod", "name": "demo-job-node-0-0-abcde"], "reason": "Scheduled", "message": "m",
             "lastTimestamp": "2026-09-01T10:00:02Z"],
            ["involvedObject": ["kind": "Service", "name": "demo-job"], "reason": "x", "message": "m"],
        ]
        let kept = JobEvents.filter(events, job: "demo-job", podNames: ["demo-job-node-0-0-abcde"])
        #expect(kept.map { $0["involved_object_kind"]!.string! } == ["TrainJob", "Pod"])
    }

    @Test func gpuReport() {
        let nodes: [JSON] = [["metadata": ["name": "gpu-1", "labels": ["nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB"]],
                              "status": ["capacity": ["nvidia.com/gpu": "8"], "allocatable": ["nvidia.com/gpu": "8"],
                                         "conditions": [["type": "Ready", "status": "True"]]]]]
        var p = pod("x", role: "node", index: 0, phase: "Running", gpus: 4)
        p["spec"]?["nodeName"] = "gpu-1"
        let report = GPUReport(nodes: nodes, pods: [p, pod("y", role: "node", index: 1, phase: "Pending", gpus: 2)])
        #expect(report.nodes[0].free == 4)
        #expect(report.json["totals"]!["pending_unscheduled"] == 2)
    }

    @Test func logContainerName() {
        #expect(MonitoringTools.containerName("node-0") == "node")
        #expect(MonitoringTools.containerName("dataset-initializer") == "dataset-initializer")
    }
}
