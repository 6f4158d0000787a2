import BackendKit
import PluginKit

/// The trainer command of a TRL job: a short `bash -c` script that resolves
/// where the model and dataset are, reads the multi-node layout the Trainer's
/// torch plugin exports (PET_*), and runs TRL's own CLI (`trl sft`/`trl dpo`).
///
/// The TRL CLI launches its training script through `accelerate launch` and
/// forwards every argument its script does not know to accelerate, so the
/// accelerate launch arguments (--num_machines, --machine_rank, ...) and the
/// training arguments share one command line.
enum TRLCommand {
    static let defaultOutputDir = "/workspace/output"

    /// Shell variables the script sets; arguments that name one are double-quoted, not single-quoted.
    static let modelVariable = "$MODEL_PATH"
    static let datasetVariable = "$DATASET_PATH"

    /// `accelerate launch` arguments for this node, from the PET_* environment.
    static let launchArguments = [
        "--num_machines", "$NNODES", "--num_processes", "$NUM_PROCESSES", "--machine_rank", "$NODE_RANK",
        "--main_process_ip", "$MASTER_ADDR", "--main_process_port", "$MASTER_PORT",
    ]

    /// The TRL training arguments, TRL's documented names, model and dataset as shell variables.
    static func trainingArguments(_ r: JSON, options: TRLOptions) -> [String] {
        var args = ["--model_name_or_path", modelVariable, "--dataset_name", datasetVariable,
                    "--output_dir", r["output_dir"]?.string ?? defaultOutputDir]
        if let e = r["epochs"]?.int, e > 0 { args += ["--num_train_epochs", String(e)] }
        if let b = r["batch_size"]?.int, b > 0 { args += ["--per_device_train_batch_size", String(b)] }
        if let lr = r["learning_rate"]?.double { args += ["--learning_rate", number(lr)] }
        if r["dtype"]?.string == "bf16" { args.append("--bf16") }
        if let resume = r["resume_from_checkpoint"]?.string { args += ["--resume_from_checkpoint", resume] }
        let peft = r["peft_method"]?.string ?? "lora"
        if peft == "lora" || peft == "qlora" {
            args.append("--use_peft")
            if let v = r["lora_rank"]?.int { args += ["--lora_r", String(v)] }
            if let v = r["lora_alpha"]?.int { args += ["--lora_alpha", String(v)] }
            if let v = r["lora_dropout"]?.double { args += ["--lora_dropout", number(v)] }
            if let modules = r["lora_attn_modules"]?.array?.compactMap(\.string), !modules.isEmpty {
                args.append("--lora_target_modules")
                args += modules
            }
            if peft == "qlora" { args += ["--load_in_4bit", "--bnb_4bit_quant_type", "nf4"] }
        }
        for (name, value) in options.arguments {
            switch value {
            case .bool(true): args.append("--\(name)")
            case .bool(false): args += ["--\(name)", "false"]
            case .int(let i): args += ["--\(name)", String(i)]
            case .double(let d): args += ["--\(name)", number(d)]
            case .string(let s): args += ["--\(name)", s]
            default: continue
            }
        }
        return args
    }

    /// The whole command: ["bash", "-c", script].
    static func command(_ r: JSON, options: TRLOptions, sources: TrainingSources) -> [String] {
        var cli = ["trl", options.trainerType.rawValue] + launchArguments
        if let config = options.accelerateConfig { cli += ["--accelerate_config", config] }
        let script = """
            set -eo pipefail
            # Model and dataset: the initializers' copies when the runtime has initializers, else the Hub.
            MODEL_PATH=\(TrainingSources.modelDirectory)
            \(fallback("MODEL_PATH", test: "-f \"$MODEL_PATH/config.json\"", repo: sources.modelRepo, what: "model"))
            DATASET_PATH=\(ShellQuote.quote(sources.localDatasetPath))
            \(fallback("DATASET_PATH", test: "-e \"$DATASET_PATH\"", repo: sources.datasetRepo, what: "dataset"))
            # The layout Kubeflow Trainer's torch plugin exports: one process per GPU on every node.
            NNODES="${PET_NNODES:-1}"
            NPROC_PER_NODE="${PET_NPROC_PER_NODE:-auto}"
            case "$NPROC_PER_NODE" in
              ''|*[!0-9]*) NPROC_PER_NODE="$(python -c 'import torch; print(max(torch.cuda.device_count(), 1))')" ;;
            esac
            NUM_PROCESSES=$((NNODES * NPROC_PER_NODE))
            NODE_RANK="${PET_NODE_RANK:-0}"
            MASTER_ADDR="${PET_MASTER_ADDR:-127.0.0.1}"
            MASTER_PORT="${PET_MASTER_PORT:-29500}"
            MULTI_GPU=()
            \(options.accelerateConfig == nil ? "if [ \"$NUM_PROCESSES\" -gt 1 ]; then MULTI_GPU=(--multi_gpu); fi" : "# the accelerate config sets the distributed type")
            exec \(render(cli)) "${MULTI_GPU[@]}" \\
              \(render(trainingArguments(r, options: options)))

            """
        return ["bash", "-c", script]
    }

    /// `if [ ! <test> ]; then VAR=<hub repo>; fi`, or a clear failure when there is no Hub copy.
    private static func fallback(_ variable: String, test: String, repo: String?, what: String) -> String {
        let otherwise = repo.map { "\(variable)=\(ShellQuote.quote($0))" }
            ?? "echo \"no \(what) in \\$\(variable) and no Hugging Face repo to fetch it from\" >&2; exit 1"
        return "if [ ! \(test) ]; then \(otherwise); fi"
    }

    private static func render(_ args: [String]) -> String {
        args.map { $0.hasPrefix("$") ? "\"\($0)\"" : ShellQuote.quote($0) }.joined(separator: " ")
    }

    /// 2e-05 → "2e-05", 0.1 → "0.1", 1.0 → "1.0": what Python's float() reads back.
    static func number(_ d: Double) -> String { d.description }
}
