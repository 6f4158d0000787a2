import PluginKit

/// The Kubeflow Trainer tools: discovery, training, monitoring, lifecycle,
/// credentials and runtimes. Fine-tuning backends live in
/// their own plugins and are reached through the host.
/// Exported by the Entry target (the one C symbol lives there).
public let trainerPluginDefinition: PluginDefinition = {
    var d = PluginDefinition(
        id: "trainer",
        version: "0.1.0",
        description: "Kubeflow Trainer v2 (TrainJob) tools: create jobs as the Kubeflow SDK 0.5.0 does, watch and manage them.",
        tools: DiscoveryTools.all + TrainingTools.all + MonitoringTools.all + LifecycleTools.all + StorageTools.all
            + BackendTools.all + CheckpointTools.all + [WorkflowPrompt.tool],
        instructions: """
            Kubeflow Trainer: train and fine-tune models as TrainJobs.
            Fine-tuning: get_cluster_resources → estimate_resources(model, method) → fine_tune(model, dataset, …) → get_training_progress(job_id).
            Custom training: get_cluster_resources → run_custom_training(func, func_args, …) → get_training_logs(job_id).
            Container training: run_container_job(image, …) → wait_for_completion(job_id).
            """,
        surface: TrainerSurface.definition
    )
    d.tasks = trainerTasks
    return d
}()
