import PluginKit

/// delete_job, suspend_job, resume_job.
enum LifecycleTools {
    static var all: [ToolDefinition] { [deleteJob, suspendJob, resumeJob] }

    static let jobInput = Schema.object([
        "job_id": Schema.name("TrainJob name.", for: .trainJobs),
        "namespace": Schema.namespace,
    ], required: ["job_id"])
    static let suspendSchema = Schema.result(always: ["job_id": Schema.of("string"), "namespace": Schema.of("string"),
                                                      "suspended": Schema.of("boolean")])
    /// get_job_spec and get_runtime_spec: the object and its YAML.
    static let specSchema = Schema.result(always: ["object": Schema.of("object"), "yaml": Schema.of("string")])

    static let deleteJob = ToolDefinition(
        name: "delete_job", title: "Delete a training job",
        description: "Deletes a TrainJob and, through Kubernetes garbage collection, its pods.",
        category: "lifecycle", risk: .destructive, input: jobInput,
        output: Schema.result(always: ["job_id": Schema.of("string"), "namespace": Schema.of("string"), "deleted": Schema.of("boolean")])
    ) { call in
        let api = try TrainerAPI(call)
        let job = try call.string("job_id")
        let r = call.k8s(.delete(.trainJobs, job, namespace: api.namespace))
        if r.status == 404 {
            throw ToolError("TrainJob \(job) does not exist in namespace \(api.namespace); call list_training_jobs to see the jobs there.",
                            field: "job_id")
        }
        guard r.ok else { throw TrainerAPI.failure(r, doing: "delete TrainJob \(job)") }
        return ToolOutput(["job_id": .string(job), "namespace": .string(api.namespace), "deleted": true],
                          text: "Deleted TrainJob \(job).")
    }

    static let suspendJob = ToolDefinition(
        name: "suspend_job", title: "Suspend a training job",
        description: "Suspends a TrainJob (spec.suspend=true): its pods stop and GPUs are freed; resume_job continues it.",
        category: "lifecycle", risk: .mutating, idempotent: true, input: jobInput,
        output: suspendSchema
    ) { call in try setSuspend(call, true) }

    static let resumeJob = ToolDefinition(
        name: "resume_job", title: "Resume a training job",
        description: "Resumes a suspended TrainJob (spec.suspend=false).",
        category: "lifecycle", risk: .mutating, idempotent: true, input: jobInput,
        output: suspendSchema
    ) { call in try setSuspend(call, false) }

    /// The merge patch both tools send.
    static func suspendPatch(_ suspend: Bool) -> JSON { ["spec": ["suspend": .bool(suspend)]] }

    private static func setSuspend(_ call: ToolCall, _ suspend: Bool) throws -> ToolOutput {
        let api = try TrainerAPI(call)
        let job = try call.string("job_id")
        let current = try api.trainJob(job)
        let status = JobStatus.sdkStatus(trainJob: current, steps: [], numNodes: 0)
        if suspend && JobStatus.terminal.contains(status) {
            throw ToolError("TrainJob \(job) is already \(status); there is nothing to suspend.", field: "job_id")
        }
        let r = call.k8s(.patch(.trainJobs, job, namespace: api.namespace, body: suspendPatch(suspend),
                                contentType: "application/merge-patch+json"))
        guard r.ok else { throw TrainerAPI.failure(r, doing: "\(suspend ? "suspend" : "resume") TrainJob \(job)") }
        return ToolOutput(["job_id": .string(job), "namespace": .string(api.namespace), "suspended": .bool(suspend)],
                          text: suspend ? "Suspended TrainJob \(job); its pods are stopping." : "Resumed TrainJob \(job).")
    }
}
