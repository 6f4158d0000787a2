import PluginKit

extension ExperimentTools {
    /// The status of an MCP task that follows an experiment (the host's tasks/get and
    /// tasks/list ask it; see `optimizerTasks`).
    static let getExperimentTaskStatus = ToolDefinition(
        name: "get_experiment_task_status", title: "Experiment as an MCP task",
        description: "The MCP task status of an experiment: working until it Succeeded (completed) or Failed (failed), with the share of trials done. The server answers tasks/get with it; call get_experiment_status for the details.",
        category: category, risk: .readOnly, idempotent: true,
        input: Schema.object(["name": nameArgument, "namespace": Schema.namespace], required: ["name"]),
        output: Schema.result(always: ["status": Schema.of("string"), "message": Schema.of("string"), "progress": Schema.of("number")])
    ) { call in
        let name = try Names.experiment(call), namespace = try Names.namespace(call)
        let report = try engine.experiment(name, namespace: namespace, call)
        let status = report.phase == "Succeeded" ? "completed" : report.phase == "Failed" ? "failed" : "working"
        let message = "\(engine.objectKind) \(name) is \(report.phase): \(report.progressText)"
        return ToolOutput(["status": .string(status), "message": .string(message), "progress": .double(report.fraction)],
                          text: message)
    }
}

/// create_experiment as an MCP task: it follows the experiment it creates; tasks/result
/// answers get_experiment_status, and tasks/cancel deletes the experiment (with the
/// user's confirmation, as delete_experiment always asks it).
let optimizerTasks = TaskDeclarations(
    kinds: [.init(key: "experiment", resource: KatibEngine.experimentResource, statusTool: "get_experiment_task_status",
                  resultTool: "get_experiment_status", cancelTool: "delete_experiment", nameArgument: "name")],
    tools: [.init("create_experiment", kind: "experiment")])
