import PluginKit

/// One TrainJob step as the SDK reports it (types.Step): an initializer or a node.
struct JobStep: Equatable, Sendable {
    var name: String
    var status: String?
    var podName: String
    var device = "Unknown"
    var deviceCount = "Unknown"
    var createdAt = ""
    /// Why a Pending pod is not running, as kubectl shows it: a container's waiting reason
    /// (CreateContainerConfigError, ImagePullBackOff) or the scheduler's (Unschedulable).
    var reason: String?
    var message: String?

    var json: JSON {
        var j: JSON = ["name": .string(name), "status": status.map { .string($0) } ?? .null, "pod_name": .string(podName),
                       "device": .string(device), "device_count": .string(deviceCount)]
        if let reason { j["reason"] = .string(reason) }
        if let message { j["message"] = .string(message) }
        return j
    }
}

/// Steps from pods, as backend.py:__get_trainjob_from_cr and utils.py build them.
enum JobSteps {
    static let jobsetNameLabel = "jobset.sigs.k8s.io/jobset-name"
    static let replicatedJobLabel = "jobset.sigs.k8s.io/replicatedjob-name"
    static let completionIndexLabel = "batch.kubernetes.io/job-completion-index"
    static let initializerRoles: Set<String> = ["dataset-initializer", "model-initializer"]
    static let nodeRoles: Set<String> = ["node", "launcher"]

    /// The SDK's per-job pod selector (used by get_training_job).
    static func podSelector(job: String) -> String {
        "\(jobsetNameLabel)=\(job),\(replicatedJobLabel) in (dataset-initializer, model-initializer, launcher, node)"
    }

    /// Steps of one job from its pods: newest pod first, one step per name.
    /// `mpi`: on MPI runtimes the launcher is node-0 and worker indexes shift by one.
    static func build(pods: [JSON], mpi: Bool) -> [JobStep] {
        let newestFirst = pods.sorted {
            ($0["metadata"]?["creationTimestamp"]?.string ?? "") > ($1["metadata"]?["creationTimestamp"]?.string ?? "")
        }
        var seen = Set<String>()
        var steps: [JobStep] = []
        for pod in newestFirst {
            guard let step = step(pod: pod, mpi: mpi), !seen.contains(step.name) else { continue }
            seen.insert(step.name)
            steps.append(step)
        }
        return steps.sorted { $0.name < $1.name }
    }

    static func step(pod: JSON, mpi: Bool) -> JobStep? {
        guard var step = baseStep(pod: pod, mpi: mpi) else { return nil }
        (step.reason, step.message) = blocker(pod)
        return step
    }

    /// (reason, message) of a pod that cannot run, or (nil, nil).
    static func blocker(_ pod: JSON) -> (String?, String?) {
        for c in pod["status"]?["containerStatuses"]?.array ?? [] {
            if let waiting = c["state"]?["waiting"], let reason = waiting["reason"]?.string,
               !["ContainerCreating", "PodInitializing"].contains(reason) {
                return (reason, waiting["message"]?.string)
            }
        }
        for condition in pod["status"]?["conditions"]?.array ?? []
        where condition["type"]?.string == "PodScheduled" && condition["status"]?.string == "False" {
            return (condition["reason"]?.string ?? "Unschedulable", condition["message"]?.string)
        }
        return (nil, nil)
    }

    private static func baseStep(pod: JSON, mpi: Bool) -> JobStep? {
        guard let podName = pod["metadata"]?["name"]?.string,
              let role = pod["metadata"]?["labels"]?[replicatedJobLabel]?.string else { return nil }
        let containers = pod["spec"]?["containers"]?.array ?? []
        let phase = pod["status"]?["phase"]?.string
        let created = pod["metadata"]?["creationTimestamp"]?.string ?? ""
        if initializerRoles.contains(role) {
            guard let container = containers.first(where: { initializerRoles.contains($0["name"]?.string ?? "") }),
                  let name = container["name"]?.string else { return nil }
            var step = JobStep(name: name, status: phase, podName: podName, createdAt: created)
            if let (d, c) = RuntimeInfo.devices(container["resources"]) { step.device = d; step.deviceCount = c }
            return step
        }
        guard nodeRoles.contains(role),
              let container = containers.first(where: { $0["name"]?.string == "node" }) else { return nil }
        let indexText = pod["metadata"]?["labels"]?[completionIndexLabel]?.string ?? "0"
        var index = Int(indexText) ?? 0
        if mpi && role != "launcher" { index += 1 }
        var step = JobStep(name: "node-\(index)", status: phase, podName: podName, createdAt: created)
        if let (d, c) = RuntimeInfo.devices(container["resources"]) { step.device = d; step.deviceCount = c }
        for env in container["env"]?.array ?? [] where env["name"]?.string == "PET_NPROC_PER_NODE" {
            if let v = env["value"]?.string, !v.isEmpty, v.allSatisfy(\.isNumber) { step.deviceCount = v }
        }
        return step
    }
}

/// A TrainJob's status exactly as the SDK computes it: Created by default;
/// the type of a true Complete/Failed condition; else, only when there are no
/// conditions at all, Running once every node step runs or succeeded.
/// (The SDK never reads trainerStatus, and has no Suspended status.)
enum JobStatus {
    static func sdkStatus(trainJob: JSON, steps: [JobStep], numNodes: Int) -> String {
        var status = "Created"
        let conditions = trainJob["status"]?["conditions"]?.array ?? []
        if !conditions.isEmpty {
            for c in conditions where c["status"]?.string == "True" {
                if let type = c["type"]?.string, type == "Complete" || type == "Failed" { status = type }
            }
        } else {
            let running = steps.filter {
                $0.name.hasPrefix("node") && ($0.status == "Running" || $0.status == "Succeeded")
            }.count
            if running == numNodes { status = "Running" }
        }
        return status
    }

    /// The status the tools show. The SDK's, with two deliberate differences a
    /// user of these tools would otherwise trip over:
    ///  - "Suspended" while the job is suspended (the SDK says Created);
    ///  - conditions that are not true do not hide a running job. After a
    ///    resume the controller leaves Suspended=False ("Resumed"), and the SDK,
    ///    seeing a condition, would call the job Created until it ends.
    static func status(trainJob: JSON, steps: [JobStep], numNodes: Int) -> String {
        let sdk = sdkStatus(trainJob: trainJob, steps: steps, numNodes: numNodes)
        if terminal.contains(sdk) { return sdk }
        if isSuspended(trainJob) { return "Suspended" }
        let trueConditions = (trainJob["status"]?["conditions"]?.array ?? []).filter { $0["status"]?.string == "True" }
        guard trueConditions.isEmpty else { return sdk }
        var bare = trainJob
        bare["status"]?["conditions"] = nil
        return sdkStatus(trainJob: bare, steps: steps, numNodes: numNodes)
    }

    /// The status from the TrainJob object alone (a watch event carries no pods):
    /// Running once the trainer's Job has ready or succeeded pods (the SDK's "Running or
    /// Succeeded" node steps, before the Complete condition lands) or the trainer reports progress.
    static func objectStatus(_ trainJob: JSON) -> String {
        let status = status(trainJob: trainJob, steps: [], numNodes: -1)
        guard status == "Created" else { return status }
        let nodeJob = (trainJob["status"]?["jobsStatus"]?.array ?? []).first { $0["name"]?.string == "node" }
        let started = (nodeJob?["ready"]?.int ?? 0) > 0 || (nodeJob?["succeeded"]?.int ?? 0) > 0
        if started || trainJob["status"]?["trainerStatus"] != nil { return "Running" }
        return status
    }

    /// spec.trainer.numNodes, else the runtime's (mlPolicy.numNodes, default 1).
    static func numNodes(trainJob: JSON, runtimeNodes: Int?) -> Int {
        if let n = trainJob["spec"]?["trainer"]?["numNodes"]?.int, n != 0 { return n }
        return runtimeNodes ?? 1
    }

    /// True when the job is suspended now (spec.suspend, or a true Suspended condition).
    static func isSuspended(_ trainJob: JSON) -> Bool {
        if trainJob["spec"]?["suspend"]?.bool == true { return true }
        return (trainJob["status"]?["conditions"]?.array ?? []).contains {
            $0["type"]?.string == "Suspended" && $0["status"]?.string == "True"
        }
    }

    static let terminal: Set<String> = ["Complete", "Failed"]
}
