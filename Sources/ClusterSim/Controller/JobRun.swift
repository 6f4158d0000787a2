import Foundation
import KFJSON

/// The controller's memory of one TrainJob: its plan, its pods, and where it is in its life.
struct JobRun: Sendable {
    enum Stage: Sendable, Equatable {
        case waiting       // pods Pending: not enough free GPUs yet
        case initializing  // dataset/model initializers running
        case training      // node pods running
        case blocked       // a container cannot start (CreateContainerConfigError, ImagePullBackOff)
        case succeeded
        case failed
    }

    struct PodSlot: Sendable {
        let name: String
        let uid: String
        let replicatedJob: String
        let index: Int
        let container: String
        let gpus: Int
        let isInitializer: Bool
        /// The pod's spec as created (what the scheduler and the kubelet look at).
        let spec: JSON
        var phase = "Pending"
        var node: String?
    }

    let uid: String
    let namespace: String
    let name: String
    let plan: JobPlan
    let log: WorkloadLog
    /// Arrival order: waiting jobs are admitted first come, first served.
    let sequence: Int
    var pods: [PodSlot] = []
    var stage: Stage = .waiting
    var stageStarted = Date()
    var firstStarted: Date?
    var lastStep = 0
    var suspended = false
    /// Pods already told FailedScheduling (the scheduler says it once per attempt; we say it once).
    var warnedUnschedulable: Set<String> = []
    var warnedMissingServiceAccount = false
    /// The stored JobSet's uid, and each replicated job's Job uid (ChildObjects).
    var jobSetUID = ""
    var jobUIDs: [String: String] = [:]
    /// A Katib trial's metrics (objective first), which its training prints as `name=value`.
    var trialMetrics: [String] = []

    var isFinished: Bool { stage == .succeeded || stage == .failed }
    var rankZero: PodSlot? { pods.first { !$0.isInitializer } }

    var involved: EventRecorder.Involved {
        .init(kind: "TrainJob", apiVersion: "trainer.kubeflow.org/v1alpha1", name: name, namespace: namespace, uid: uid)
    }

    /// `status.jobsStatus`: one child Job per replicated job, counted like JobSet does.
    var jobsStatus: JSON {
        .array(plan.replicatedJobs.map { rj in
            let slots = pods.filter { $0.replicatedJob == rj.name }
            let all = { (phase: String) in !slots.isEmpty && slots.allSatisfy { $0.phase == phase } }
            let failed = slots.contains { $0.phase == "Failed" }
            let succeeded = all("Succeeded")
            let active = !suspended && !failed && !succeeded && !slots.isEmpty
            return ["name": .string(rj.name), "active": .int(active ? 1 : 0), "ready": .int(all("Running") ? 1 : 0),
                    "succeeded": .int(succeeded ? 1 : 0), "failed": .int(failed ? 1 : 0),
                    "suspended": .int(suspended ? 1 : 0)]
        })
    }
}
