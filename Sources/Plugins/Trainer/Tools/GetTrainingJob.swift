import PluginKit

extension DiscoveryTools {
    static let getTrainingJob = ToolDefinition(
        name: "get_training_job", title: "Training job details",
        description: "One TrainJob: status (the Kubeflow SDK's, plus Suspended, and Running after a resume; sdk_status is the SDK's own), steps (initializers and nodes from pods), conditions, trainerStatus.",
        category: "discovery", risk: .readOnly, idempotent: true, input: LifecycleTools.jobInput,
        output: Schema.result(always: ["name": Schema.of("string", "null"), "namespace": Schema.of("string"), "status": Schema.of("string"), "sdk_status": Schema.of("string"), "suspended": Schema.of("boolean"), "runtime": Schema.of("string", "null"), "num_nodes": Schema.of("integer"), "creation_timestamp": Schema.of("string", "null"), "steps": Schema.list(), "conditions": Schema.list()], sometimes: ["trainer_status": Schema.of("object"), "progress": Schema.of("string"), "problems": Schema.list()])
    ) { call in
        let api = try TrainerAPI(call)
        let details = try api.jobDetails(try call.string("job_id"))
        let job = details.object
        var result: JSON = [
            "name": job["metadata"]?["name"] ?? .null, "namespace": .string(api.namespace),
            "status": .string(details.status), "sdk_status": .string(details.sdkStatus),
            "suspended": .bool(JobStatus.isSuspended(job)),
            "runtime": job["spec"]?["runtimeRef"]?["name"] ?? .null, "num_nodes": .int(details.numNodes),
            "creation_timestamp": job["metadata"]?["creationTimestamp"] ?? .null,
            "steps": .array(details.steps.map(\.json)),
            "conditions": job["status"]?["conditions"] ?? [],
        ]
        if let ts = job["status"]?["trainerStatus"] { result["trainer_status"] = ts }
        if let p = job["status"]?["trainerStatus"].flatMap(TrainingProgress.fromTrainerStatus) {
            result["progress"] = .string(p.bar)
        }
        // What keeps it from running: stuck pods, or (no pods at all) the Jobs' FailedCreate events.
        var problems: [JSON] = details.steps.compactMap { step in
            step.reason.map { ["step": .string(step.name), "reason": .string($0), "message": .string(step.message ?? "")] }
        }
        if details.steps.isEmpty && !["Complete", "Failed"].contains(details.status) {
            let jobName = job["metadata"]?["name"]?.string ?? ""
            let events = (try? call.k8sJSON(.list(.events, namespace: api.namespace)))?["items"]?.array ?? []
            problems += JobEvents.filter(events, job: jobName, podNames: [])
                .filter { $0["type"]?.string == "Warning" && $0["involved_object_kind"]?.string == "Job" }
                .map { ["step": $0["involved_object_name"] ?? "", "reason": $0["reason"] ?? "", "message": $0["message"] ?? ""] }
        }
        if !problems.isEmpty { result["problems"] = .array(problems) }
        let why = problems.first.map { "; \($0["step"]?.string ?? ""): \($0["reason"]?.string ?? "") (\($0["message"]?.string ?? ""))" } ?? ""
        return ToolOutput(result, text: "TrainJob \(job["metadata"]?["name"]?.string ?? "") is \(details.status); \(details.steps.count) step(s)\(why).")
    }
}
