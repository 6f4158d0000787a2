import PluginKit

extension DiscoveryTools {
    static let getJobSpec = ToolDefinition(
        name: "get_job_spec", title: "TrainJob manifest",
        description: "The full TrainJob object as JSON and YAML (managedFields dropped).",
        category: "discovery", risk: .readOnly, idempotent: true, input: LifecycleTools.jobInput,
        output: LifecycleTools.specSchema
    ) { call in
        let api = try TrainerAPI(call)
        let object = withoutManagedFields(try api.trainJob(try call.string("job_id")))
        return ToolOutput(["object": object, "yaml": .string(YAML.render(object))], text: YAML.render(object))
    }
}
