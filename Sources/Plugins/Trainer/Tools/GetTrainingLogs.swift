import PluginKit

extension MonitoringTools {
    static let getTrainingLogs = ToolDefinition(
        name: "get_training_logs", title: "Training logs",
        description: "Logs of one step of a TrainJob (node-0 by default; also node-N, dataset-initializer, model-initializer). Tokens that look like credentials are masked.",
        category: "monitoring", risk: .readOnly, idempotent: true,
        input: Schema.object([
            "job_id": Schema.name("TrainJob name.", for: .trainJobs),
            "namespace": Schema.namespace,
            "step": Schema.string("Step name.", default: "node-0"),
            "container": Schema.string("Container; default the step name without its index."),
            "tail_lines": Schema.integer("Last lines only.", minimum: 1, maximum: 100_000, default: 200),
            "since_seconds": Schema.integer("Only lines newer than this.", minimum: 1),
            "max_bytes": Schema.integer("At most this many bytes.", minimum: 1, maximum: 10_000_000, default: 65536),
        ], required: ["job_id"]),
        output: Schema.result(always: ["job_id": Schema.of("string"), "step": Schema.of("string"), "pod": Schema.of("string"), "container": Schema.of("string"), "lines": Schema.list(Schema.of("string")), "truncated": Schema.of("boolean")])
    ) { call in
        let api = try TrainerAPI(call)
        let job = try call.string("job_id")
        let step = try call.optionalString("step") ?? "node-0"
        let details = try api.jobDetails(job)
        guard let found = details.steps.first(where: { $0.name == step }) else {
            let names = details.steps.map(\.name)
            throw ToolError("TrainJob \(job) has no step \(step) yet; its steps are: \(names.isEmpty ? "none (no pods yet)" : names.joined(separator: ", ")).",
                            field: "step")
        }
        guard found.status != "Pending" else {
            throw ToolError("Step \(step) of \(job) is still Pending (pod \(found.podName)); there are no logs yet. Try get_job_events to see why.",
                            field: "step")
        }
        let container = try call.optionalString("container") ?? containerName(step)
        let maxBytes = try call.positiveInt("max_bytes") ?? 65536
        var query = ["container": container, "limitBytes": String(maxBytes)]
        query["tailLines"] = String(try call.positiveInt("tail_lines") ?? 200)
        if let since = try call.positiveInt("since_seconds") { query["sinceSeconds"] = String(since) }
        let r = call.k8s(.get(.pods, found.podName, namespace: api.namespace, subresource: "log", query: query))
        guard r.ok else { throw TrainerAPI.failure(r, doing: "read logs of pod \(found.podName)") }
        let text = r.body.string ?? (r.body.isNull ? "" : r.body.serialized())
        // Credentials are masked by the host, which redacts every result (a key block spread over lines too).
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let trimmed = lines.last == "" ? Array(lines.dropLast()) : lines
        return ToolOutput(["job_id": .string(job), "step": .string(step), "pod": .string(found.podName),
                           "container": .string(container), "lines": .array(trimmed.map { .string($0) }),
                           "truncated": .bool(text.utf8.count >= maxBytes)],
                          text: trimmed.joined(separator: "\n"))
    }

    /// The SDK's re.sub(r"-\d+$", "", step): node-0 → node.
    static func containerName(_ step: String) -> String {
        guard let dash = step.lastIndex(of: "-") else { return step }
        let tail = step[step.index(after: dash)...]
        return !tail.isEmpty && tail.allSatisfy(\.isNumber) ? String(step[..<dash]) : step
    }
}
