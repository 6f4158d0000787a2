import KFJSON

/// The `torch` plugin's checks (upstream `torch.Validate`), on runtimes with `mlPolicy.torch`:
/// the envInjection targets exist, `spec.trainer.env` leaves torchrun's variables alone, and a
/// `tune run` command passes the torchtune rules (`validateTorchTune`) whatever else is set.
enum TorchValidation {
    static let reservedEnv: Set = ["PET_NNODES", "PET_NPROC_PER_NODE", "PET_NODE_RANK", "PET_MASTER_ADDR", "PET_MASTER_PORT"]

    static func validate(info: RuntimeInfo?, new: JSON) -> [FieldError] {
        guard let info, let torch = info.mlPolicy?["torch"], !torch.isNull else { return [] }
        var errors: [FieldError] = []
        for target in torch["envInjection"]?["targets"]?.array ?? [] {
            let job = target["jobName"]?.string ?? ""
            for container in (target["containerNames"]?.array ?? []).compactMap(\.string) {
                let pod = info.job(named: job).flatMap(RuntimeInfo.podSpec)
                let found = RuntimeInfo.names(pod?["containers"]).contains(container)
                    || RuntimeInfo.names(pod?["initContainers"]).contains(container)
                guard !found else { continue }
                errors.append(.invalid("spec.runtimeRef", target,
                                       "envInjection target podSet \"\(job)\" container \"\(container)\" not found in runtime template"))
            }
        }
        guard let trainer = new["spec"]?["trainer"], !trainer.isNull else { return errors }
        let env = trainer["env"] ?? .null
        let reserved = Set(RuntimeInfo.names(env)).intersection(reservedEnv)
        if !reserved.isEmpty {
            errors.append(.invalid("spec.trainer.env", env, "must not have reserved envs, invalid envs configured: \(goList(reserved))"))
        }
        if (trainer["command"]?.array ?? []).compactMap(\.string) == ["tune", "run"],
           trainer["command"]?.array?.count == 2 {
            errors += TorchTuneValidation.validate(info: info, new: new)
        }
        return errors
    }

    /// `%v` of a sorted `[]string`: `[A B]`.
    static func goList(_ items: Set<String>) -> String { "[" + items.sorted().joined(separator: " ") + "]" }
}

/// Upstream `validateTorchTune`: what a TrainJob running torchtune's `tune run` on a built-in
/// torchtune runtime must satisfy. The recipe and config come from `BuiltinTrainerRules`.
enum TorchTuneValidation {
    /// Configs the runtime injects (`extractOverridesFromRuntime`); a TrainJob may not set them.
    static let immutableConfigs: Set = ["output_dir", "tokenizer.path", "checkpointer.checkpoint_dir", "tokenizer.merges_file"]

    static func validate(info: RuntimeInfo, new: JSON) -> [FieldError] {
        let spec = new["spec"], trainer = spec?["trainer"]
        let runtimeName = spec?["runtimeRef"]?["name"]?.string ?? ""
        let model = BuiltinTrainerRules.modelKey(runtime: runtimeName) ?? ""
        var errors: [FieldError] = []
        if !BuiltinTrainerRules.supportedModels.contains(model) {
            errors.append(.invalid("spec.runtimeRef.name", .string(runtimeName),
                                   "must have a supported pretrained model, invalid model configured: \(model)"))
        }
        let numNodes = trainer?["numNodes"]?.int ?? 1
        if numNodes > 1 && model != "llama3_3/70B" {
            errors.append(.invalid("spec.trainer.numNodes", .int(numNodes), "must be 1 for \(model) model"))
        }
        let procs = trainer?["numProcPerNode"]?.int
        let jobResources = trainer?["resourcesPerNode"].flatMap { $0.isNull ? nil : $0 }
        let gpus = GPUCount.perNode(jobResources ?? info.nodeResources)
        let args = (trainer?["args"]?.array ?? []).compactMap(\.string)
        let method = BuiltinTrainerRules.method(args: args)
        let config = BuiltinTrainerRules.recipeAndConfig(model: model, numNodes: numNodes,
                                                         gpus: procs == 1 ? 1 : gpus, method: method).1
        if config.contains("_qlora") {
            if model == "qwen2_5/1.5B" {
                errors.append(.invalid("spec.runtimeRef.name", .string(runtimeName), "QLoRA is not supported for \(model) model"))
            }
            if !config.contains("_qlora_single_device") && (model == "llama3_2/1B" || model == "llama3_2/3B") {
                // Go prints the intstr value (auto or the number) with %#v; we print the value itself.
                errors.append(.invalid("spec.trainer.numProcPerNode", procs.map(JSON.int) ?? "auto",
                                       "must be auto or 1 for \(model) model when using QLoRA"))
                errors.append(.invalid("spec.trainer.resourcesPerNode", jobResources ?? .null,
                                       "must have gpu resource with value 1 for \(model) model when using QLoRA"))
            }
        }
        if numNodes > 1 && method != .full {
            errors.append(.invalid("spec.trainer.numNodes", .int(numNodes),
                                   "LoRA fine-tuning is not supported for multi-node training in TorchTune"))
        }
        for (index, arg) in args.enumerated() {
            let key = String(arg.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            if immutableConfigs.contains(key) {
                errors.append(.invalid("spec.trainer.args[\(index)]", .string(arg),
                                       "must not set immutable config \"\(key)\" in trainer args; it is managed by the runtime"))
            }
        }
        return errors
    }
}
