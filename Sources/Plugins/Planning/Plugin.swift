import PluginKit

/// The planning plugin: sizes fine-tuning jobs and checks them before they
/// run. Read-only and idempotent throughout; the cluster is read through the
/// host only, backends through their declared capabilities only.
public let planningPlugin = PluginDefinition(
    id: "planning",
    version: "0.1.0",
    description: "Planning tools: estimate_resources (GPU memory model and model registry), check_prerequisites, validate_config.",
    tools: PlanningTools.all
)
