import PluginKit
import TrainerRules

extension TrainingTools {
    /// What run_custom_training and run_container_job do once their trainer
    /// section is built: what v2.3.0's webhook would deny refused with its reason
    /// (initializers without the runtime's step, pod options the runtime cannot
    /// take, torchrun's reserved env), pre-flight, and the create (skipped on
    /// dry_run). One place, so the two tools cannot drift.
    static func submit(_ call: ToolCall, api: TrainerAPI, options: JobOptions, runtime: RuntimeInfo,
                       trainer: CustomTrainerSection, name: String, initializers: InitializerArguments,
                       trainerType: String, notes: [String] = [], extra: JSON) throws -> ToolOutput {
        try initializers.checkAdmitted(on: runtime)
        try options.checkAdmitted(on: runtime)
        if let denial = runtime.trainerEnvDenial(trainer.env) {
            throw ToolError(WebhookDenial.message(denial, fix: "leave these out of env: Kubeflow Trainer sets torchrun's PET_* variables on every node itself."),
                            field: "env")
        }
        var body = TrainJobBody(name: name, runtime: runtime.ref, trainer: trainer.build())
        options.apply(to: &body)
        initializers.apply(to: &body)
        let json = body.build()
        let preflightNotes = try call.preflight(trainerType: trainerType, runtime: runtime.name, namespace: api.namespace,
                                       model: try call.optionalString("model"), dataset: try call.optionalString("dataset"))
        if !options.dryRun { try initializers.create(json, api: api, call: call) }
        var output = extra
        output["runtime"] = .string(runtime.name)
        output["notes"] = .array((notes + preflightNotes).map { .string($0) })
        return creationOutput(json, runtime: runtime, namespace: api.namespace, dryRun: options.dryRun, extra: output)
    }
}
