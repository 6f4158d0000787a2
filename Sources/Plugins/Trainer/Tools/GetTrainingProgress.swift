import PluginKit

extension MonitoringTools {
    static let getTrainingProgress = ToolDefinition(
        name: "get_training_progress", title: "Training progress",
        description: "How far training got: epoch, step, loss, throughput and ETA, from status.trainerStatus when the trainer reports it (Trainer v2.3.0: only with the TrainJobStatus feature gate), with what it leaves out from the latest progress line of node-0's logs. Returns numbers and a one-line bar; says progress is unknown (no percent) when neither says how far training is.",
        category: "monitoring", risk: .readOnly, idempotent: true, input: LifecycleTools.jobInput,
        output: Schema.result(always: ["job_id": Schema.of("string"), "status": Schema.of("string"), "progress_known": Schema.of("boolean")], sometimes: ["progress": Schema.of("object")])
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
        var result: JSON = ["job_id": .string(job), "status": .string(details.status),
                            "progress_known": .bool(progress?.percent != nil)]
        if let progress { result["progress"] = progress.json }
        let text = progress.map { "\(job) \(details.status) \($0.bar)" }
            ?? "\(job) is \(details.status); progress unknown: the TrainJob has no status.trainerStatus (Trainer v2.3.0 "
                + "writes it only with the TrainJobStatus feature gate and a trainer that reports progress) and node-0's "
                + "logs have no step or epoch line yet."
        return ToolOutput(result, text: text)
    }
}
