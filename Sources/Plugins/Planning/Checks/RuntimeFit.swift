import PluginKit

/// Whether the backend that would run a built-in (fine_tune) job can put this
/// model on this runtime. The rule lives in the backend (its build_trainer
/// refuses a runtime built for another model), so the check asks the backend
/// itself: check_prerequisites then says what fine_tune would do.
///
/// The request is the one fine_tune sends (docs/finetune-backend.md, kind
/// `kfmcp.provider/finetune-backend/1`): `runtimes` is always present, here the
/// named runtime's summary as list_training_runtimes gives it, so a backend
/// written to /1 that reads runtimes only from the list judges the same runtime.
enum RuntimeFit {
    /// nil when it fits or cannot be told (no model, runtime or backend; another kind of error).
    static func issue(_ call: ToolCall, model: String?, dataset: String?, runtime: String?, method: String?,
                      backendID: String?, namespace: String, backends: [JSON]) -> Prerequisites.Issue? {
        guard let model, let runtime else { return nil }
        let chosen = backendID ?? backends.first { $0["capabilities"]?["default"]?.bool == true }?["id"]?.string
        guard let chosen else { return nil }
        func uri(_ text: String) -> String { text.contains("://") ? text : "hf://" + text }
        var request: JSON = ["model": .string(uri(model)), "model_source": .string(model.hasPrefix("s3://") ? "s3" : "huggingface"),
                             "runtime": .string(runtime), "namespace": .string(namespace),
                             "peft_method": .string(method ?? "lora")]
        if let dataset {
            request["dataset"] = .string(uri(dataset))
            request["dataset_source"] = .string(dataset.hasPrefix("s3://") ? "s3" : "huggingface")
        }
        // The runtime's summary as fine_tune sends it (none when it does not exist: the backend says so).
        // Without the Trainer's list the request goes without, and a backend's "runtimes" answer means "cannot tell".
        if let listed = try? call.callTool("list_training_runtimes", ["namespace": .string(namespace)]) {
            request["runtimes"] = .array((listed["runtimes"]?.array ?? []).filter { $0["name"]?.string == runtime })
        }
        do {
            _ = try call.callBackend(chosen, "build_trainer", request)
            return nil
        } catch let error as ToolError where error.field == "runtime" {
            return Prerequisites.Issue(check: "runtime_fit", severity: .error, message: error.message,
                                       fix: "Leave runtime out so the backend picks one for the model, or choose another backend (list_fine_tune_backends).")
        } catch {
            return nil
        }
    }
}
