import Foundation

/// The numbers behind a simulated run's logs and status (loss, learning rate, throughput),
/// deterministic per job so reruns match; `WorkloadLog` shapes them like each framework.
/// Epochs and the learning rate come from the job's own arguments (TrainerArguments); nil
/// when the job does not say, and then no line shows them.
struct TrainingLog: Sendable {
    let totalSteps: Int
    let epochs: Int?
    let seed: UInt64
    /// Where the loss settles (a Katib trial's depends on its hyperparameters: TrialWorkload).
    let lossFloor: Double
    /// The learning rate the schedule starts from.
    let baseLearningRate: Double?

    init(jobName: String, totalSteps: Int = 120, epochs: Int? = nil, learningRate: Double? = nil,
         lossFloor: Double = 0.4) {
        self.totalSteps = totalSteps
        self.epochs = epochs
        self.lossFloor = lossFloor
        self.baseLearningRate = learningRate
        self.seed = jobName.utf8.reduce(1469598103934665603) { ($0 ^ UInt64($1)) &* 1099511628211 }
    }

    /// Loss decays from about 2.4 towards the floor (0.4), with a little noise.
    func loss(at step: Int) -> Double {
        let noise = Double((seed &+ UInt64(step) &* 2654435761) % 1000) / 1000.0 - 0.5
        return lossFloor + 2.0 * exp(-Double(step) / Double(max(totalSteps, 1)) * 3.0) + noise * 0.05
    }

    /// A linear decay from the base rate (to 10% of it at the last step).
    func learningRate(at step: Int) -> Double? {
        baseLearningRate.map { $0 * (1 - Double(step) / Double(max(totalSteps, 1)) * 0.9) }
    }

    func tokensPerSecond(at step: Int) -> Int { 3000 + Int((seed &+ UInt64(step) &* 40503) % 400) }

    func epoch(at step: Int) -> Int? { epochs.map { min($0, 1 + (step - 1) * $0 / max(totalSteps, 1)) } }

    /// `step 10/120 | epoch 1/3 | loss 1.234 | lr 2e-05 | tokens/s 3150` (epoch and lr when known).
    func stepLine(_ step: Int) -> String {
        var parts = ["step \(step)/\(totalSteps)"]
        if let epoch = epoch(at: step), let epochs { parts.append("epoch \(epoch)/\(epochs)") }
        parts.append("loss " + String(format: "%.3f", loss(at: step)))
        if let lr = learningRate(at: step) { parts.append("lr " + Self.scientific(lr)) }
        parts.append("tokens/s \(tokensPerSecond(at: step))")
        return parts.joined(separator: " | ")
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
