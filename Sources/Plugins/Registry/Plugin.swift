import PluginKit

/// The Model Registry (the KEP's Phase 7, the SDK's `kubeflow.hub.ModelRegistryClient`):
/// register what was trained, find it again. The registry is reached only through
/// the host, by the API server's service proxy (`RegistryClient`), so RBAC on
/// `services/proxy` and impersonation govern it and no new credential exists.
/// Exported by the Entry target (the one C symbol lives there).
public let registryPluginDefinition = PluginDefinition(
    id: "registry",
    version: "0.1.0",
    description: "Kubeflow Model Registry: register trained models (from a TrainJob or a tuning trial) with their origin, list and read them, as the Kubeflow SDK 0.5.0's ModelRegistryClient does.",
    tools: RegistryTools.all,
    instructions: "Model Registry: after a training job or a tuning run completes, register_model with its job_id fills the artifact URI from the job's checkpoints and the metadata from the job; list_models and get_model find it again; update_model_version archives a version (state ARCHIVED).",
    surface: RegistrySurface.definition
)

/// Every tool of the plugin, one file each under Tools/.
enum RegistryTools {
    static let category = "registry"
    static var all: [ToolDefinition] { [registerModel, listModels, getModel, listModelVersions, updateModelVersion] }

    /// A registry write is a `mutating` tool, which the default policy does not
    /// confirm; the registry keeps what it is told and has no dry run, so the
    /// arguments that make the write say they need the user's confirmation
    /// ("x-kfmcp-confirm"): the host previews the call and asks, every time
    /// (a policy's skip_confirmation waives it, as for any tool).
    static func confirming(_ schema: JSON) -> JSON {
        var s = schema
        s["x-kfmcp-confirm"] = true
        return s
    }
}
