import Foundation

/// Realistic log lines for the simulated containers, deterministic per job so reruns match.
struct TrainingLog: Sendable {
    let totalSteps: Int
    let epochs: Int
    let seed: UInt64
    /// Where the loss settles (a Katib trial's depends on its hyperparameters: TrialWorkload).
    let lossFloor: Double

    init(jobName: String, totalSteps: Int = 120, epochs: Int = 3, lossFloor: Double = 0.4) {
        self.totalSteps = totalSteps
        self.epochs = epochs
        self.lossFloor = lossFloor
        self.seed = jobName.utf8.reduce(1469598103934665603) { ($0 ^ UInt64($1)) &* 1099511628211 }
    }

    /// Loss decays from about 2.4 towards the floor (0.4), with a little noise.
    func loss(at step: Int) -> Double {
        let noise = Double((seed &+ UInt64(step) &* 2654435761) % 1000) / 1000.0 - 0.5
        return lossFloor + 2.0 * exp(-Double(step) / Double(max(totalSteps, 1)) * 3.0) + noise * 0.05
    }

    func learningRate(at step: Int) -> Double { 2e-5 * (1 - Double(step) / Double(max(totalSteps, 1)) * 0.9) }

    func tokensPerSecond(at step: Int) -> Int { 3000 + Int((seed &+ UInt64(step) &* 40503) % 400) }

    func epoch(at step: Int) -> Int { min(epochs, 1 + (step - 1) * epochs / max(totalSteps, 1)) }

    /// `step 10/120 | epoch 1/3 | loss 1.234 | lr 2e-05 | tokens/s 3150`
    func stepLine(_ step: Int) -> String {
        "step \(step)/\(totalSteps) | epoch \(epoch(at: step))/\(epochs) | loss "
            + String(format: "%.3f", loss(at: step)) + " | lr " + Self.scientific(learningRate(at: step))
            + " | tokens/s \(tokensPerSecond(at: step))"
    }

    func startLines(numNodes: Int, gpus: Int, rank: Int, image: String) -> [String] {
        [
            "[rank\(rank)] Initializing process group: backend=nccl world_size=\(numNodes * max(gpus, 1)) "
                + "nnodes=\(numNodes) nproc_per_node=\(max(gpus, 1))",
            "[rank\(rank)] Image \(image)",
            "Loading model and tokenizer from /workspace/model",
            "Loaded dataset: 52002 examples, \(totalSteps) steps over \(epochs) epochs",
        ]
    }

    func endLines() -> [String] {
        ["Training complete: final loss \(String(format: "%.3f", loss(at: totalSteps)))",
         "Saved checkpoint to /workspace/output"]
    }

    func failureLines(at step: Int) -> [String] {
        ["Traceback (most recent call last):",
         "  File \"/workspace/train.py\", line 88, in <module>",
         "    loss.backward()",
         "RuntimeError: training failed at step \(step): FAIL=1 was requested",
         "ERROR:torch.distributed.elastic.multiprocessing.api:failed (exitcode: 1)"]
    }

    static func initializerLines(_ kind: String, storageUri: String?) -> [String] {
        let uri = storageUri ?? "hf://unknown"
        return ["Starting \(kind) from \(uri)",
                "Fetching 4 files: 100%|██████████| 4/4 [00:03<00:00,  1.21it/s]",
                "\(kind == "dataset-initializer" ? "Dataset" : "Model") has been downloaded to /workspace/\(kind == "dataset-initializer" ? "dataset" : "model")"]
    }

    /// `2e-05` the way Python prints small floats.
    static func scientific(_ value: Double) -> String {
        String(format: "%.0e", value)
    }
}
