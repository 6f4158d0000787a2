import PluginKit

extension MonitoringTools {
    static let getJobEvents = ToolDefinition(
        name: "get_job_events", title: "Job events",
        description: "Kubernetes events about a TrainJob, its JobSet, Jobs and pods (the Kubeflow SDK's filter), oldest first.",
        category: "monitoring", risk: .readOnly, idempotent: true, input: LifecycleTools.jobInput,
        output: Schema.result(always: ["job_id": Schema.of("string"), "events": Schema.list(), "count": Schema.of("integer")])
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
}
