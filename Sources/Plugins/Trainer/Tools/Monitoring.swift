import PluginKit

/// Logs, events, waiting and progress.
enum MonitoringTools {
    static var all: [ToolDefinition] { [getTrainingLogs, getJobEvents, waitForCompletion, getTrainingProgress] }

    // MARK: get_training_logs

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
        ], required: ["job_id"])
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

    // MARK: get_job_events

    static let getJobEvents = ToolDefinition(
        name: "get_job_events", title: "Job events",
        description: "Kubernetes events about a TrainJob, its JobSet, Jobs and pods (the Kubeflow SDK's filter), oldest first.",
        category: "monitoring", risk: .readOnly, idempotent: true, input: LifecycleTools.jobInput
    ) { call in
        let api = try TrainerAPI(call)
        let job = try call.string("job_id")
        let details = try api.jobDetails(job)
        let events = try call.k8sJSON(.list(.events, namespace: api.namespace))["items"]?.array ?? []
        let podNames = Set(details.pods.compactMap { $0["metadata"]?["name"]?.string })
        let kept = JobEvents.filter(events, job: job, podNames: podNames)
        return ToolOutput(["job_id": .string(job), "events": .array(kept), "count": .int(kept.count)],
                          text: kept.map {
                              "\($0["event_time"]?.string ?? "") \($0["involved_object_kind"]?.string ?? "")/\($0["involved_object_name"]?.string ?? "") \($0["reason"]?.string ?? ""): \($0["message"]?.string ?? "")"
                          }.joined(separator: "\n"))
    }

    // MARK: wait_for_completion

    static let waitForCompletion = ToolDefinition(
        name: "wait_for_completion", title: "Wait for a job to finish",
        description: "Watches a TrainJob until it is Complete or Failed, reporting progress as its status changes; stops at timeout_seconds or when cancelled.",
        category: "monitoring", risk: .readOnly, idempotent: true,
        input: Schema.object([
            "job_id": Schema.name("TrainJob name.", for: .trainJobs),
            "namespace": Schema.namespace,
            "timeout_seconds": Schema.integer("Give up after this long.", minimum: 1, maximum: 86_400, default: 600),
        ], required: ["job_id"])
    ) { call in try JobWaiter(call).run() }

    // MARK: get_training_progress

    static let getTrainingProgress = ToolDefinition(
        name: "get_training_progress", title: "Training progress",
        description: "How far training got: epoch, step, loss, throughput and ETA, from status.trainerStatus when the trainer reports it, with what it leaves out from the latest progress line of node-0's logs. Returns numbers and a one-line bar.",
        category: "monitoring", risk: .readOnly, idempotent: true, input: LifecycleTools.jobInput
    ) { call in
        let api = try TrainerAPI(call)
        let job = try call.string("job_id")
        let details = try api.jobDetails(job)
        var progress: TrainingProgress?
        if let ts = details.object["status"]?["trainerStatus"] { progress = TrainingProgress.fromTrainerStatus(ts) }
        let node0 = details.steps.first { $0.name == "node-0" }
        let needsLogs = progress == nil || progress?.epoch == nil || progress?.throughput == nil
        if needsLogs, let node0, node0.status != "Pending" {
            let r = call.k8s(.get(.pods, node0.podName, namespace: api.namespace, subresource: "log",
                                  query: ["container": "node", "tailLines": "500"]))
            if r.ok, let text = r.body.string {
                let fromLogs = TrainingProgress.fromLogs(text.split(separator: "\n").map(String.init))
                progress = progress.map { $0.filling(from: fromLogs) } ?? fromLogs
                if var p = progress, p.etaSeconds == nil, let percent = p.percent, percent > 0, percent < 100,
                   let pod = details.pods.first(where: { $0["metadata"]?["name"]?.string == node0.podName }),
                   let start = pod["status"]?["startTime"]?.string.flatMap(KubeTime.seconds) {
                    let elapsed = Double(currentTime() - start)
                    p.etaSeconds = Int(elapsed * (100 - percent) / percent)
                    progress = p
                }
            }
        }
        if details.status == "Complete" {
            progress = progress ?? TrainingProgress(source: "status")
            progress?.percent = 100
            progress?.etaSeconds = nil
        }
        var result: JSON = ["job_id": .string(job), "status": .string(details.status)]
        if let progress { result["progress"] = progress.json }
        let text = progress.map { "\(job) \(details.status) \($0.bar)" }
            ?? "\(job) is \(details.status); no progress reported yet (no trainerStatus and no step/epoch lines in node-0 logs)."
        return ToolOutput(result, text: text)
    }
}

/// wait_for_completion: a watch on the one TrainJob, re-opened until done.
struct JobWaiter {
    let call: ToolCall
    let api: TrainerAPI
    let job: String
    let timeout: Int

    init(_ call: ToolCall) throws {
        self.call = call
        self.api = try TrainerAPI(call)
        self.job = try call.string("job_id")
        self.timeout = try call.positiveInt("timeout_seconds") ?? 600
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
                let percent = changed["status"]?["trainerStatus"]?["progressPercentage"]?.double
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
