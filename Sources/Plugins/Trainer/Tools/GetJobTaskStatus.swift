import PluginKit

extension MonitoringTools {
    /// The status of an MCP task that follows a TrainJob (the host's tasks/get and
    /// tasks/list ask it; see `trainerTasks`).
    static let getJobTaskStatus = ToolDefinition(
        name: "get_job_task_status", title: "Training job as an MCP task",
        description: "The MCP task status of a TrainJob: working while it runs, completed, failed, or cancelled once suspended. The server answers tasks/get with it; call get_training_job for the details.",
        category: "monitoring", risk: .readOnly, idempotent: true, input: LifecycleTools.jobInput,
        output: Schema.result(always: ["status": Schema.of("string"), "message": Schema.of("string")],
                              sometimes: ["progress": Schema.of("number")])
    ) { call in
        let api = try TrainerAPI(call)
        let job = try call.string("job_id")
        let object = try api.trainJob(job)
        let status = JobStatus.objectStatus(object)
        let percent = object["status"]?["trainerStatus"]?["progressPercentage"]?.double
        let task: String
        switch status {
        case "Complete": task = "completed"
        case "Failed": task = "failed"
        default: task = JobStatus.isSuspended(object) ? "cancelled" : "working"
        }
        var message = "TrainJob \(job) is \(JobStatus.isSuspended(object) && task == "cancelled" ? "Suspended" : status)"
        if let percent, task == "working" { message += " (\(Int(percent))%)" }
        var result: JSON = ["status": .string(task), "message": .string(message)]
        if let fraction = percent.map({ min(max($0 / 100, 0), 1) }) ?? (task == "completed" ? 1 : nil) {
            result["progress"] = .double(fraction)
        }
        return ToolOutput(result, text: message)
    }
}

/// The Trainer tools a client may run as MCP tasks: each follows the TrainJob it
/// creates (or, for wait_for_completion, the one it names).
let trainerTasks = TaskDeclarations(
    kinds: [.init(key: "trainjob", resource: .trainJobs, statusTool: "get_job_task_status",
                  resultTool: "get_training_job", cancelTool: "suspend_job", nameArgument: "job_id")],
    tools: [.init("fine_tune", kind: "trainjob"), .init("run_custom_training", kind: "trainjob"),
            .init("run_container_job", kind: "trainjob"),
            .init("wait_for_completion", kind: "trainjob", start: .arguments)])
