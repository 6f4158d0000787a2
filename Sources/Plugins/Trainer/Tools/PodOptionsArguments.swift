import PluginKit

/// The pod options every training tool takes (the peer server's argument
/// names, so prompts carry over), read into `PodOptions`.
extension PodOptions {
    static let schema: [String: JSON] = [
        "volumes": Schema.array("Volumes of the training pods, Kubernetes form, e.g. [{\"name\": \"ckpt\", \"persistentVolumeClaim\": {\"claimName\": \"ckpt-pvc\"}}]. hostPath is refused.",
                                items: ["type": "object"]),
        "volume_mounts": Schema.array("Mounts in the training container, e.g. [{\"name\": \"ckpt\", \"mountPath\": \"/mnt/checkpoints\"}].",
                                      items: ["type": "object"]),
        "node_selector": Schema.map("Node labels the training pods must land on, e.g. {\"nvidia.com/gpu.product\": \"NVIDIA-A100-SXM4-80GB\"}.",
                                    values: ["type": "string"]),
        "tolerations": Schema.array("Tolerations, e.g. [{\"key\": \"nvidia.com/gpu\", \"operator\": \"Exists\", \"effect\": \"NoSchedule\"}]; operator Exists or Equal.",
                                    items: ["type": "object"]),
        "affinity": Schema.map("Pod affinity (nodeAffinity, podAffinity, podAntiAffinity), Kubernetes form."),
        "service_account_name": Schema.name("Service account the training pods run as.", .subdomain),
        "image_pull_secrets": Schema.array("Secrets for pulling private images: names, or [{\"name\": ...}].",
                                           items: ["type": ["string", "object"]]),
    ]

    init(_ call: ToolCall) throws {
        let a = call.arguments
        func given(_ key: String) -> JSON? {
            guard let v = a[key], !v.isNull else { return nil }
            return v
        }
        if let v = given("volumes") { volumes = try PodSpecShapes.volumes(v) }
        if let v = given("volume_mounts") { volumeMounts = try PodSpecShapes.volumeMounts(v) }
        if let v = given("node_selector") { nodeSelector = try PodSpecShapes.nodeSelector(v) }
        if let v = given("tolerations") { tolerations = try PodSpecShapes.tolerations(v) }
        if let v = given("affinity") { affinity = try PodSpecShapes.affinity(v) }
        if let v = try call.optionalString("service_account_name") { serviceAccountName = try PodSpecShapes.serviceAccountName(v) }
        if let v = given("image_pull_secrets") { imagePullSecrets = try PodSpecShapes.imagePullSecrets(v) }
        let declared = Set(volumes.compactMap { $0["name"]?.string })
        for (i, mount) in volumeMounts.enumerated() {
            if let name = mount["name"]?.string, !declared.contains(name), !volumes.isEmpty {
                throw ToolError("volume_mounts[\(i)].name: no volume \(name) in volumes (\(declared.sorted().joined(separator: ", "))).",
                                field: "volume_mounts")
            }
        }
    }
}
