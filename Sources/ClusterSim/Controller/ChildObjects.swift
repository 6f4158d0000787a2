import KFJSON

/// The objects between a TrainJob and its pods, as a real cluster holds them: the JobSet the
/// Trainer controller creates (named like the TrainJob, owned by it) and the batch/v1 Jobs JobSet
/// creates from it (`<trainjob>-<replicatedjob>-0`, owned by the JobSet), which own the pods.
/// Their status follows the pods, counted the way the Job and JobSet controllers count.
enum ChildObjects {
    static let jobSetAPIVersion = "jobset.x-k8s.io/v1alpha2"

    static func owner(apiVersion: String, kind: String, name: String, uid: String) -> JSON {
        ["apiVersion": .string(apiVersion), "kind": .string(kind), "name": .string(name), "uid": .string(uid),
         "controller": true, "blockOwnerDeletion": true]
    }

    static func jobSet(trainJob: JSON, plan: JobPlan) -> JSON {
        [
            "apiVersion": .string(jobSetAPIVersion), "kind": "JobSet",
            "metadata": [
                "name": .string(trainJob.name), "namespace": .string(trainJob.namespace),
                "labels": ["trainer.kubeflow.org/trainjob-name": .string(trainJob.name)],
                "ownerReferences": [owner(apiVersion: "trainer.kubeflow.org/v1alpha1", kind: "TrainJob",
                                          name: trainJob.name, uid: trainJob.uid)],
            ],
            "spec": [
                "network": ["enableDNSHostnames": true, "publishNotReadyAddresses": true, "subdomain": .string(trainJob.name)],
                "replicatedJobs": .array(plan.replicatedJobs.map { rj in
                    ["name": .string(rj.name), "replicas": 1, "template": jobSpec(rj)]
                }),
                "successPolicy": ["operator": "All"],
                "suspend": .bool(trainJob["spec"]?["suspend"]?.bool ?? false),
            ],
            "status": ["restarts": 0],
        ]
    }

    static func job(trainJob: JSON, jobSetUID: String, replicated rj: JobPlan.ReplicatedJob) -> JSON {
        let name = "\(trainJob.name)-\(rj.name)-0"
        var labels: [String: JSON] = [
            "jobset.sigs.k8s.io/jobset-name": .string(trainJob.name),
            "jobset.sigs.k8s.io/replicatedjob-name": .string(rj.name),
            "jobset.sigs.k8s.io/replicatedjob-replicas": "1", "jobset.sigs.k8s.io/job-index": "0",
        ]
        if let step = rj.ancestorStep { labels["trainer.kubeflow.org/trainjob-ancestor-step"] = .string(step) }
        return [
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": [
                "name": .string(name), "namespace": .string(trainJob.namespace), "labels": .object(labels),
                "ownerReferences": [owner(apiVersion: jobSetAPIVersion, kind: "JobSet", name: trainJob.name,
                                          uid: jobSetUID)],
            ],
            "spec": jobSpec(rj)["spec"] ?? [:],
            "status": [:],
        ]
    }

    private static func jobSpec(_ rj: JobPlan.ReplicatedJob) -> JSON {
        ["spec": ["parallelism": .int(rj.count), "completions": .int(rj.count), "completionMode": "Indexed",
                  "backoffLimit": 0, "template": rj.podTemplate]]
    }

    /// A Job's status from its pods' phases (`kubectl get jobs`: STATUS, COMPLETIONS).
    static func jobStatus(_ old: JSON, pods: [JobRun.PodSlot], suspended: Bool, now: String) -> JSON {
        var status = old
        let count = { (phase: String) in pods.filter { $0.phase == phase }.count }
        let failed = count("Failed"), succeeded = count("Succeeded")
        status["active"] = suspended ? nil : .int(pods.count - failed - succeeded)
        status["ready"] = .int(count("Running"))
        status["succeeded"] = succeeded > 0 ? .int(succeeded) : nil
        status["failed"] = failed > 0 ? .int(failed) : nil
        if status["startTime"] == nil && pods.contains(where: { $0.phase != "Pending" }) { status["startTime"] = .string(now) }
        let done = !pods.isEmpty && succeeded == pods.count
        if (done || failed > 0), status["conditions"] == nil {
            status["completionTime"] = done ? .string(now) : nil
            status["conditions"] = done
                ? [condition("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods", now),
                   condition("Complete", "CompletionsReached", "Reached expected number of succeeded pods", now)]
                : [condition("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now),
                   condition("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now)]
        }
        return status
    }

    /// The JobSet's status: the TrainJob's jobsStatus (which v2.3.0 copies from here) and its terminal condition.
    static func jobSetStatus(_ old: JSON, run: JobRun, now: String) -> JSON {
        var status = old
        status["replicatedJobsStatus"] = run.jobsStatus
        if run.isFinished, status["terminalState"] == nil {
            let failed = run.stage == .failed
            status["terminalState"] = failed ? "Failed" : "Completed"
            status["conditions"] = [failed
                ? condition("Failed", "FailedJobs", "jobset failed due to one or more job failures", now)
                : condition("Completed", "AllJobsCompleted", "jobset completed successfully", now)]
        }
        return status
    }

    private static func condition(_ type: String, _ reason: String, _ message: String, _ now: String) -> JSON {
        ["type": .string(type), "status": "True", "reason": .string(reason), "message": .string(message),
         "lastProbeTime": .string(now), "lastTransitionTime": .string(now)]
    }
}
