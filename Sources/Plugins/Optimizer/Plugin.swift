import PluginKit

/// Hyperparameter tuning (the KEP's Phase 6, the SDK's OptimizerClient): experiments whose
/// trials are TrainJobs made by the training tools. The engine behind the tools is a seam
/// (`OptimizationEngine`): Katib today, Trainer's OptimizationJob beside it later.
/// Exported by the Entry target (the one C symbol lives there).
public let optimizerPluginDefinition: PluginDefinition = {
    var d = PluginDefinition(
        id: "optimizer",
        version: "0.1.0",
        description: "Hyperparameter tuning with Katib: experiments as the Kubeflow SDK 0.5.0's OptimizerClient makes them, trials made by the training tools.",
        tools: ExperimentTools.all + SuggestTools.all + [TuningPrompt.tool],
        surface: OptimizerSurface.definition
    )
    d.tasks = optimizerTasks
    return d
}()
