import Foundation

/// Log lines shaped like the real frameworks' output for a workload, with the numbers
/// (loss, learning rate, throughput) from `TrainingLog` so reruns match.
struct WorkloadLog: Sendable {
    let workload: Workload
    let numbers: TrainingLog

    var totalSteps: Int { numbers.totalSteps }

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
        switch workload.kind {
        case .torchtune(let recipe, let config):
            lines += [
                "INFO:torchtune.utils._logging:Running \(Self.recipeClass(recipe)) with resolved config:",
                "", "batch_size: 4", "checkpointer:", "  _component_: torchtune.training.FullModelHFCheckpointer",
                "  checkpoint_dir: /workspace/model", "  output_dir: /workspace/output", "config: \(config)",
                "dataset:", "  _component_: torchtune.datasets.alpaca_dataset", "  data_dir: /workspace/dataset",
                "epochs: \(numbers.epochs)", "",
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
            if case .unsloth = workload.kind {
                lines += ["🦥 Unsloth: Will patch your computer to enable 2x faster free finetuning.",
                          "==((====))==  Unsloth 2025.9.1: Fast Llama patching. Transformers: 4.56.1.",
                          "   \\\\   /|    Num GPUs = \(procs). Max memory: 79.151 GB. Platform: Linux.",
                          "Unsloth: Will load /workspace/model as a LoRA model."]
            } else {
                lines += ["[INFO|trainer.py:2414] 2025-12-02 10:00:00,000 >> ***** Running training *****",
                          "[INFO|trainer.py:2415] 2025-12-02 10:00:00,000 >>   Num examples = 52,002",
                          "[INFO|trainer.py:2416] 2025-12-02 10:00:00,000 >>   Num Epochs = \(numbers.epochs)",
                          "[INFO|trainer.py:2420] 2025-12-02 10:00:00,000 >>   Total optimization steps = \(totalSteps)"]
            }
        case .customFunction(let prints):
            lines += torchrun + prints
        case .torchrun, .container:
            lines += torchrun + ["[rank\(rank)]: Image \(image)", "Loading model and tokenizer from /workspace/model",
                                 "Loaded dataset: 52002 examples, \(totalSteps) steps over \(numbers.epochs) epochs"]
        case .mpi:
            lines += ["[launcher] mpirun: \(numNodes) node(s), \(procs) slot(s) each",
                      "[rank\(rank)] DeepSpeed info: version=0.17.1, git-hash=unknown, git-branch=unknown",
                      "Loaded dataset: 52002 examples, \(totalSteps) steps over \(numbers.epochs) epochs"]
        }
        return rank == 0 ? lines : Array(lines.prefix(lines.count > 2 ? 2 : lines.count))
    }

    /// One progress line at `step` in the framework's own format.
    func stepLine(_ step: Int) -> String {
        let loss = numbers.loss(at: step)
        switch workload.kind {
        case .torchtune:
            // torchtune's tqdm description: "<epoch>|<global step>|Loss: <loss>"
            let percent = step * 100 / max(totalSteps, 1)
            let bar = String(repeating: "█", count: percent / 10).padding(toLength: 10, withPad: " ", startingAt: 0)
            return "\(numbers.epoch(at: step))|\(step)|Loss: \(String(format: "%.4f", loss)): "
                + String(format: "%3d", percent) + "%|\(bar)| \(step)/\(totalSteps) "
                + "[\(Self.clock(step))<\(Self.clock(totalSteps - step)),  1.00s/it]"
        case .trl, .unsloth:
            let epoch = Double(step) / Double(max(totalSteps, 1)) * Double(numbers.epochs)
            return "{'loss': \(String(format: "%.4f", loss)), 'grad_norm': "
                + String(format: "%.4f", 0.5 + loss / 4) + ", 'learning_rate': "
                + TrainingLog.scientific(numbers.learningRate(at: step)) + ", 'epoch': "
                + String(format: "%.2f", epoch) + "}"
        default:
            return numbers.stepLine(step)
        }
    }

    func endLines() -> [String] {
        let loss = String(format: "%.3f", numbers.loss(at: totalSteps))
        switch workload.kind {
        case .torchtune:
            return ["INFO:torchtune.utils._logging:Saving checkpoint. This may take some time. Retrieving full model "
                        + "state dict...",
                    "INFO:torchtune.utils._logging:Model checkpoint of size 2.30 GiB saved to "
                        + "/workspace/output/epoch_\(numbers.epochs - 1)/model-00001-of-00001.safetensors",
                    "INFO:torchtune.utils._logging:Saving final epoch checkpoint."]
        case .trl, .unsloth:
            return ["{'train_runtime': \(totalSteps).0, 'train_samples_per_second': 12.5, 'train_steps_per_second': "
                        + "1.0, 'train_loss': \(loss), 'epoch': \(numbers.epochs).0}",
                    "Training complete: final loss \(loss)", "Saved checkpoint to /workspace/output"]
        default:
            return ["Training complete: final loss \(loss)", "Saved checkpoint to /workspace/output"]
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
