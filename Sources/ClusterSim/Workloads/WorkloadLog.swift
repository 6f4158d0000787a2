import Foundation

/// The one place a simulated job's log lines are built: shaped like each framework's output,
/// with what the job's own command, args and env say (TrainerArguments: epochs, batch size,
/// learning rate, output and resume paths, a custom function's keyword arguments) and the
/// numbers (loss, throughput) from `TrainingLog`, so reruns match. What the job does not say is
/// left out, or is the framework's documented default (named where it is used). Extra per-step
/// lines (e.g. a Katib trial's `metric=value` output) belong in `stepLines`.
struct WorkloadLog: Sendable {
    let workload: Workload
    let numbers: TrainingLog

    /// Hugging Face TrainingArguments' defaults (num_train_epochs 3.0, per_device_train_batch_size 8,
    /// learning_rate 5e-5); torchtune's shipped configs train 1 epoch at 2e-5.
    init(workload: Workload, jobName: String, totalSteps: Int, lossFloor: Double) {
        self.workload = workload
        let args = workload.arguments
        let (epochs, rate): (Int?, Double?)
        switch workload.kind {
        case .trl, .unsloth: (epochs, rate) = (args.epochs ?? 3, args.learningRate ?? 5e-5)
        case .torchtune: (epochs, rate) = (args.epochs ?? 1, args.learningRate ?? 2e-5)
        default: (epochs, rate) = (args.epochs, args.learningRate)
        }
        numbers = TrainingLog(jobName: jobName, totalSteps: args.maxSteps ?? totalSteps, epochs: epochs,
                              learningRate: rate, lossFloor: lossFloor)
    }

    var totalSteps: Int { numbers.totalSteps }
    private var args: TrainerArguments { workload.arguments }
    private var isHuggingFace: Bool { workload.kind == .trl || workload.kind == .unsloth }

    /// What the container prints before the first step (`rank` 0 prints the most).
    func startLines(numNodes: Int, gpus: Int, rank: Int, image: String) -> [String] {
        let procs = max(gpus, 1)
        var lines = workload.packages.isEmpty ? []
            : ["Successfully installed Python packages (user): " + workload.packages.joined(separator: " ")]
        let torchrun = [
            "W1202 10:00:00.000000 1 torch/distributed/run.py:793] Setting OMP_NUM_THREADS environment variable for "
                + "each process to be 1 in default, to avoid your system being overloaded.",
            "[rank\(rank)]: Initializing process group: backend=nccl world_size=\(numNodes * procs) nnodes=\(numNodes) "
                + "nproc_per_node=\(procs)",
        ]
        let epochs = numbers.epochs.map(String.init) ?? "?"
        switch workload.kind {
        case .torchtune(let recipe, let config):
            lines += ["INFO:torchtune.utils._logging:Running \(Self.recipeClass(recipe)) with resolved config:", ""]
            if let b = args.batchSize { lines.append("batch_size: \(b)") }
            lines += ["checkpointer:", "  _component_: torchtune.training.FullModelHFCheckpointer"]
            if let dir = args.checkpointDir { lines.append("  checkpoint_dir: \(dir)") }
            if let out = args.outputDir { lines.append("  output_dir: \(out)") }
            lines += ["config: \(config)", "dataset:", "  _component_: torchtune.datasets.alpaca_dataset",
                      "epochs: \(epochs)"]
            if let out = args.outputDir { lines.append("output_dir: \(out)") }
            lines += [
                "",
                "INFO:torchtune.utils._logging:Distributed training is enabled. Instantiating model and loading "
                    + "checkpoint on Rank 0 ...",
                "INFO:torchtune.utils._logging:Model is initialized with precision torch.bfloat16.",
                "INFO:torchtune.utils._logging:Tokenizer is initialized from file.",
                "INFO:torchtune.utils._logging:Optimizer is initialized.",
                "INFO:torchtune.utils._logging:Loss is initialized.",
                "INFO:torchtune.utils._logging:Dataset and Sampler are initialized.",
                "INFO:torchtune.utils._logging:Learning rate scheduler is initialized.",
            ]
        case .trl, .unsloth:
            let batch = args.batchSize ?? 8
            if case .unsloth = workload.kind {
                lines += ["🦥 Unsloth: Will patch your computer to enable 2x faster free finetuning.",
                          "==((====))==  Unsloth 2025.9.1: Fast Llama patching. Transformers: 4.56.1.",
                          "   \\\\   /|    Num GPUs = \(procs). Max memory: 79.151 GB. Platform: Linux.",
                          "==((====))==  Unsloth - 2x faster free finetuning | Num GPUs used = \(procs)",
                          "   \\\\   /|    Num examples = 52,002 | Num Epochs = \(epochs) | Total steps = \(totalSteps)",
                          "O^O/ \\_/ \\    Batch size per device = \(batch)"]
            } else {
                if let resume = args.resumeFrom { lines.append(hf(2376, "Loading model from \(resume).")) }
                lines += [hf(2414, "***** Running training *****"), hf(2415, "  Num examples = 52,002"),
                          hf(2416, "  Num Epochs = \(epochs)"),
                          hf(2417, "  Instantaneous batch size per device = \(batch)"),
                          hf(2420, "  Total optimization steps = \(totalSteps)")]
                if args.resumeFrom != nil {
                    lines.append(hf(2436, "  Continuing training from checkpoint, will skip to saved global_step"))
                }
            }
        case .customFunction(let output):
            lines += torchrun + output.lines(rank: rank, worldSize: numNodes * procs)
        case .torchrun, .container:
            lines += torchrun + ["[rank\(rank)]: Image \(image)"] + datasetLine()
        case .mpi:
            lines += ["[launcher] mpirun: \(numNodes) node(s), \(procs) slot(s) each",
                      "[rank\(rank)] DeepSpeed info: version=0.17.1, git-hash=unknown, git-branch=unknown"] + datasetLine()
        }
        return rank == 0 ? lines : Array(lines.prefix(lines.count > 2 ? 2 : lines.count))
    }

    /// `Loaded dataset: 52002 examples, 120 steps over 3 epochs, batch size 4` (what the job says).
    private func datasetLine() -> [String] {
        var text = "Loaded dataset: 52002 examples, \(totalSteps) steps"
        if let e = numbers.epochs { text += " over \(e) epochs" }
        if let b = args.batchSize { text += ", batch size \(b)" }
        return [text]
    }

    /// Hugging Face Trainer's logger prefix.
    private func hf(_ line: Int, _ text: String) -> String {
        "[INFO|trainer.py:\(line)] 2025-12-02 10:00:00,000 >> " + text
    }

    /// The lines at `step`, in the framework's own format.
    func stepLines(_ step: Int) -> [String] { [stepLine(step)] }

    /// One progress line at `step` in the framework's own format.
    func stepLine(_ step: Int) -> String {
        let loss = numbers.loss(at: step)
        switch workload.kind {
        case .torchtune:
            // torchtune's tqdm description: "<epoch>|<global step>|Loss: <loss>"
            let percent = step * 100 / max(totalSteps, 1)
            let bar = String(repeating: "█", count: percent / 10).padding(toLength: 10, withPad: " ", startingAt: 0)
            return "\(numbers.epoch(at: step) ?? 1)|\(step)|Loss: \(String(format: "%.4f", loss)): "
                + String(format: "%3d", percent) + "%|\(bar)| \(step)/\(totalSteps) "
                + "[\(Self.clock(step))<\(Self.clock(totalSteps - step)),  1.00s/it]"
        case .trl, .unsloth:
            let epoch = Double(step) / Double(max(totalSteps, 1)) * Double(numbers.epochs ?? 1)
            return "{'loss': \(String(format: "%.4f", loss)), 'grad_norm': "
                + String(format: "%.4f", 0.5 + loss / 4) + ", 'learning_rate': "
                + TrainingLog.scientific(numbers.learningRate(at: step) ?? 0) + ", 'epoch': "
                + String(format: "%.2f", epoch) + "}"
        default:
            return numbers.stepLine(step)
        }
    }

    func endLines() -> [String] {
        let loss = String(format: "%.3f", numbers.loss(at: totalSteps))
        switch workload.kind {
        case .torchtune:
            let out = args.outputDir ?? "/workspace/output"
            return ["INFO:torchtune.utils._logging:Saving checkpoint. This may take some time. Retrieving full model "
                        + "state dict..."]
                + (0..<(numbers.epochs ?? 1)).map {
                    "INFO:torchtune.utils._logging:Model checkpoint of size 2.30 GiB saved to "
                        + "\(out)/epoch_\($0)/model-00001-of-00001.safetensors"
                }
                + ["INFO:torchtune.utils._logging:Saving final epoch checkpoint."]
        case .trl, .unsloth:
            // Hugging Face's default output_dir is "trainer_output"; the TRL CLI and our scripts always set one.
            let out = args.outputDir ?? "trainer_output"
            return [hf(3993, "Saving model checkpoint to \(out)/checkpoint-\(totalSteps)"),
                    "{'train_runtime': \(totalSteps).0, 'train_samples_per_second': 12.5, 'train_steps_per_second': "
                        + "1.0, 'train_loss': \(loss), 'epoch': \(numbers.epochs ?? 1).0}",
                    hf(3993, "Saving model checkpoint to \(out)")]
        default:
            return ["Training complete: final loss \(loss)"] + (args.outputDir.map { ["Saved checkpoint to \($0)"] } ?? [])
        }
    }

    func failureLines(at step: Int) -> [String] {
        if let lines = workload.startFailure { return lines }
        let hook = "RuntimeError: simulated failure at step \(step) (test hook \(Workload.failHook) is set)"
        return ["Traceback (most recent call last):",
                "  File \"/workspace/train.py\", line 88, in <module>",
                "    loss.backward()", hook,
                "E1202 10:00:00.000000 1 torch/distributed/elastic/multiprocessing/api.py:869] failed (exitcode: 1) "
                    + "local_rank: 0 (pid: 42) of binary: /usr/bin/python3"]
    }

    /// `full_finetune_distributed` → `FullFinetuneRecipeDistributed`.
    static func recipeClass(_ recipe: String) -> String {
        let parts = recipe.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }
        guard parts.count >= 3 else { return parts.joined() + "Recipe" }
        return parts.prefix(2).joined() + "Recipe" + parts.dropFirst(2).joined()
    }

    private static func clock(_ seconds: Int) -> String { String(format: "%02d:%02d", seconds / 60, seconds % 60) }
}
