import PluginKit

extension TrainingTools {
    /// What run_custom_training and run_container_job do once their trainer
    /// section is built: the TrainJob, v2.3.0's webhook on it (TrainerAPI.checkAdmitted),
    /// pre-flight, and the create (skipped on dry_run). One place, so the two tools
    /// cannot drift.
    static func submit(_ call: ToolCall, api: TrainerAPI, options: JobOptions, runtime: RuntimeInfo,
                       trainer: CustomTrainerSection, name: String, initializers: InitializerArguments,
                       trainerType: String, notes: [String] = [], extra: JSON) throws -> ToolOutput {
        var body = TrainJobBody(name: name, runtime: runtime.ref, trainer: trainer.build())
        options.apply(to: &body)
        initializers.apply(to: &body)
        let json = body.build()
        try TrainerAPI.checkAdmitted(json, runtime: runtime)
        let preflightNotes = try call.preflight(trainerType: trainerType, runtime: runtime.name, namespace: api.namespace,
                                       model: try call.optionalString("model"), dataset: try call.optionalString("dataset"))
        if !options.dryRun { try initializers.create(json, api: api, call: call) }
        var output = extra
        output["runtime"] = .string(runtime.name)
        output["notes"] = .array((notes + preflightNotes).map { .string($0) })
        return creationOutput(json, runtime: runtime, namespace: api.namespace, dryRun: options.dryRun, extra: output)
    }
}
