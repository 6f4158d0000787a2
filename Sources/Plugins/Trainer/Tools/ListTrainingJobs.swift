import PluginKit

extension DiscoveryTools {
    static let listTrainingJobs = ToolDefinition(
        name: "list_training_jobs", title: "List training jobs",
        description: "TrainJobs in a namespace, compact: name, status (the Kubeflow SDK's, plus Suspended, and Running after a resume), runtime, nodes, GPUs, age, progress when reported. Filters by status, runtime, label selector; pages with limit/continue.",
        category: "discovery", risk: .readOnly, idempotent: true,
        input: Schema.object([
            "namespace": Schema.namespace,
            "status": Schema.string("Only jobs with this status.", enum: ["Created", "Running", "Suspended", "Complete", "Failed"]),
            "runtime": Schema.name("Only jobs using this runtime.", for: .trainingRuntimes),
            "label": Schema.string("Label selector, e.g. team=nlp."),
            "limit": Schema.integer("Page size.", minimum: 1, maximum: 500),
            "continue": Schema.string("Token from the previous page."),
        ]),
        output: Schema.result(always: ["namespace": Schema.of("string"), "jobs": Schema.list(), "count": Schema.of("integer")], sometimes: ["continue": Schema.of("string")])
    ) { call in
        let api = try TrainerAPI(call)
        var query: [String: String] = [:]
        if let label = try call.optionalString("label") { query["labelSelector"] = label }
        if let limit = try call.positiveInt("limit") { query["limit"] = String(limit) }
        if let token = try call.optionalString("continue") { query["continue"] = token }
        let list = try call.k8sJSON(.list(.trainJobs, namespace: api.namespace, query: query))
        let jobs = list["items"]?.array ?? []
        // One pods request for all jobs, grouped by the JobSet name label.
        let pods = jobs.isEmpty ? [] : try call.k8sJSON(.list(.pods, namespace: api.namespace,
                                                               query: ["labelSelector": JobSteps.jobsetNameLabel]))["items"]?.array ?? []
        // Runtimes only when a job's node count must come from its runtime (constant: two more requests at most).
        let needRuntimes = jobs.contains { $0["spec"]?["trainer"]?["numNodes"]?.int == nil }
        let runtimes = needRuntimes ? ((try? api.runtimes()) ?? []) : []
        let summaries = JobSummary.build(jobs: jobs, pods: pods, runtimes: runtimes, now: currentTime())
        let statusFilter = try call.optionalString("status")
        let runtimeFilter = try call.optionalString("runtime")
        let kept = summaries.filter {
            (statusFilter == nil || $0["status"]?.string == statusFilter)
                && (runtimeFilter == nil || $0["runtime"]?.string == runtimeFilter)
        }
        var result: JSON = ["namespace": .string(api.namespace), "jobs": .array(kept), "count": .int(kept.count)]
        if let token = list["metadata"]?["continue"]?.string, !token.isEmpty { result["continue"] = .string(token) }
        let text = kept.isEmpty ? "No TrainJobs in \(api.namespace) match." : kept.map {
            "\($0["name"]?.string ?? "?") \($0["status"]?.string ?? "?")\($0["progress"]?.string.map { " \($0)" } ?? "")"
        }.joined(separator: "\n")
        return ToolOutput(result, text: text)
    }
}
