import PluginKit

/// The Kubeflow Trainer tools: discovery, training, monitoring, lifecycle,
/// credentials and runtimes. Fine-tuning backends live in
/// their own plugins and are reached through the host.
/// Exported by the Entry target (the one C symbol lives there).
public let trainerPluginDefinition = PluginDefinition(
    id: "trainer",
    version: "0.1.0",
    description: "Kubeflow Trainer v2 (TrainJob) tools: create jobs as the Kubeflow SDK 0.5.0 does, watch and manage them.",
    tools: DiscoveryTools.all + TrainingTools.all + MonitoringTools.all + LifecycleTools.all + StorageTools.all
        + BackendTools.all + CheckpointTools.all
)
