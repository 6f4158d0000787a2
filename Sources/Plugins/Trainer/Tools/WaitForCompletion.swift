import PluginKit

extension MonitoringTools {
    static let waitForCompletion = ToolDefinition(
        name: "wait_for_completion", title: "Wait for a job to finish",
        description: "Watches a TrainJob until it is Complete or Failed, reporting progress as its status changes; stops at timeout_seconds (default \(JobWaiter.defaultTimeout) s, below common MCP clients' read timeouts) or when cancelled. For a longer wait, call it again while the result says timed_out: true, or poll get_training_progress; the job runs on either way.",
        category: "monitoring", risk: .readOnly, idempotent: true,
        input: Schema.object([
            "job_id": Schema.name("TrainJob name.", for: .trainJobs),
            "namespace": Schema.namespace,
            "timeout_seconds": Schema.integer("Give up after this many seconds (the job keeps running). Keep it under your client's read timeout.",
                                              minimum: 1, maximum: 86_400, default: JobWaiter.defaultTimeout),
        ], required: ["job_id"]),
        output: Schema.result(always: ["job_id": Schema.of("string"), "status": Schema.of("string"), "waited_seconds": Schema.of("integer"), "timed_out": Schema.of("boolean"), "cancelled": Schema.of("boolean")], sometimes: ["message": Schema.of("string", "null")])
    ) { call in try JobWaiter(call).run() }
}

/// wait_for_completion: a watch on the one TrainJob, re-opened until done.
struct JobWaiter {
    let call: ToolCall
    let api: TrainerAPI
    let job: String
    let timeout: Int
    /// Under the read timeouts clients set on one request (pydantic-ai's 300 s):
    /// a longer wait is several calls, each answered before the client gives up.
    static let defaultTimeout = 240

    init(_ call: ToolCall) throws {
        self.call = call
        self.api = try TrainerAPI(call)
        self.job = try call.string("job_id")
        self.timeout = try call.positiveInt("timeout_seconds") ?? Self.defaultTimeout
    }

    /// Status from the object alone (watch events carry the TrainJob, not its pods).
    static func conditionStatus(_ object: JSON) -> String { JobStatus.objectStatus(object) }

    func run() throws -> ToolOutput {
        let start = currentTime()
        var object = try api.trainJob(job)
        var status = Self.conditionStatus(object)
        var cancelled = false
        call.progress(-1, "\(job): \(status)")
        while !JobStatus.terminal.contains(status) && !cancelled {
            let remaining = timeout - (currentTime() - start)
            if remaining <= 0 { break }
            if call.isCancelled { cancelled = true; break }
            let query = ["fieldSelector": "metadata.name=\(job)",
                         "resourceVersion": object["metadata"]?["resourceVersion"]?.string ?? "0",
                         "timeoutSeconds": String(min(remaining, 30))]
            let r = call.k8sStream(.watch(.trainJobs, namespace: api.namespace, query: query)) { line in
                if call.isCancelled { cancelled = true; return false }
                guard let event = try? JSON.parse(line), let changed = event["object"],
                      changed["metadata"]?["name"]?.string == job else { return true }
                if event["type"]?.string == "DELETED" { status = "Deleted"; return false }
                object = changed
                let next = Self.conditionStatus(changed)
                // A percentage only when known: the trainer reported one (trainerStatus), or the job is done.
                let percent = changed["status"]?["trainerStatus"]?["progressPercentage"]?.double
                    ?? (next == "Complete" ? 100 : nil)
                if next != status || percent != nil {
                    status = next
                    call.progress(percent.map { $0 / 100 } ?? -1,
                                  "\(job): \(status)\(percent.map { " \(Int($0))%" } ?? "")")
                }
                return !JobStatus.terminal.contains(status)
            }
            if status == "Deleted" {
                throw ToolError("TrainJob \(job) was deleted while waiting for it.", field: "job_id")
            }
            if !r.ok {
                // Watch refused or broken (e.g. an expired resourceVersion): read the job again and retry.
                sleepMilliseconds(1000)
                object = try api.trainJob(job)
                status = Self.conditionStatus(object)
            }
        }
        let details = try api.jobDetails(job)
        let waited = currentTime() - start
        let timedOut = !JobStatus.terminal.contains(details.status) && !cancelled
        var result: JSON = ["job_id": .string(job), "status": .string(details.status),
                            "waited_seconds": .int(waited), "timed_out": .bool(timedOut), "cancelled": .bool(cancelled)]
        if details.status == "Failed" {
            let failed = (details.object["status"]?["conditions"]?.array ?? []).last { $0["type"]?.string == "Failed" }
            result["message"] = failed?["message"] ?? .null
        }
        let text = cancelled ? "Stopped waiting for \(job) (cancelled); it is \(details.status)."
            : timedOut ? "\(job) is still \(details.status) after \(waited)s."
            : "\(job) finished: \(details.status)."
        return ToolOutput(result, text: text)
    }
}
