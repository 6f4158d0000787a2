import PluginKit

/// fine_tune (BuiltinTrainer through a backend), run_custom_training
/// (CustomTrainer) and run_container_job (CustomTrainerContainer).
enum TrainingTools {
    static var all: [ToolDefinition] { [fineTune, runCustomTraining, runContainerJob] }

    static let resourceSchema: [String: JSON] = [
        "num_nodes": Schema.integer("Training nodes (pods).", minimum: 1),
        "resources_per_node": Schema.map("Resources per node, e.g. {\"gpu\": 4, \"memory\": \"64Gi\"}; gpu means nvidia.com/gpu."),
        "gpus_per_node": Schema.integer("Shortcut for resources_per_node {\"gpu\": n}.", minimum: 1),
    ]

    static let sourceOptionsSchema = Schema.map(
        "Options of the initializer: ignore_patterns [..] (a model's default is the SDK's *.msgpack,*.h5,*.bin,*.pt,*.pth; null sends none, as the SDK's ignore_patterns=None), and for s3:// sources endpoint, region, role_arn, credentials_secret (a Secret with ACCESS_KEY_ID and SECRET_ACCESS_KEY), or access_key_id + secret_access_key (stored in a new Secret, never in the TrainJob).")

    /// `func`, or its KEP-936 name `script_code`.
    static func functionSource(_ call: ToolCall) throws -> String {
        switch (try call.optionalString("func"), try call.optionalString("script_code")) {
        case (let f?, nil), (nil, let f?): return f
        case (_?, _?): throw ToolError("Give the training function once: func or script_code (its KEP-936 name), not both.", field: "func")
        case (nil, nil): throw ToolError("func is required: the Python source of the training function (script_code is accepted too).", field: "func")
        }
    }

    /// The SDK refuses a CustomTrainer on a BuiltinTrainer (torchtune) runtime.
    static func customRuntime(_ api: TrainerAPI, _ name: String) throws -> RuntimeInfo {
        let runtime = try api.runtime(name).info
        guard runtime.trainerType == "CustomTrainer" else {
            throw ToolError("Runtime \(name) runs the built-in \(runtime.framework) trainer; use fine_tune with it, or pick a custom runtime such as torch-distributed.",
                            field: "runtime")
        }
        return runtime
    }
}
