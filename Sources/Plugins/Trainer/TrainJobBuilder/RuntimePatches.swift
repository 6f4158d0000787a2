import PluginKit

/// Pod-level options of the training nodes (volumes, scheduling, identity),
/// compiled into one `spec.runtimePatches` entry exactly as the SDK 0.5.0
/// `RuntimePatch` option nests it: trainingRuntimeSpec → template → spec →
/// replicatedJobs[name=node] → template → spec → template → spec (a PodSpecPatch),
/// with volume mounts as a ContainerPatch of the `node` container. Never env:
/// Trainer v2.3.0's webhook denies env in a patch of the node or initializer
/// containers (jobset.go), so every variable goes to `spec.trainer.env`.
/// Values are Kubernetes core/v1 objects in their API (camelCase) form, checked
/// here so a wrong field is refused with its name before anything is sent.
struct PodOptions: Equatable, Sendable {
    var volumes: [JSON] = []
    var volumeMounts: [JSON] = []
    var nodeSelector: [String: String] = [:]
    var tolerations: [JSON] = []
    var affinity: JSON?
    var serviceAccountName: String?
    var imagePullSecrets: [JSON] = []

    /// Ours, as the SDK's is "trainer.kubeflow.org/kubeflow-sdk": patches are keyed by manager.
    static let manager = "kubeflow-mcp.kubeflow.org/kubeflow-mcp"
    /// The replicated job and container the SDK's users patch: the training nodes.
    static let nodeJob = "node"

    var isEmpty: Bool {
        volumes.isEmpty && volumeMounts.isEmpty && nodeSelector.isEmpty && tolerations.isEmpty && affinity == nil
            && serviceAccountName == nil && imagePullSecrets.isEmpty
    }

    /// The `spec.runtimePatches` entry, or nil when no option is set.
    var runtimePatch: JSON? {
        guard !isEmpty else { return nil }
        var pod: JSON = [:]
        if let serviceAccountName { pod["serviceAccountName"] = .string(serviceAccountName) }
        if !volumes.isEmpty { pod["volumes"] = .array(volumes) }
        var container: JSON = ["name": .string(Self.nodeJob)]
        if !volumeMounts.isEmpty { container["volumeMounts"] = .array(volumeMounts) }
        if container.object!.count > 1 { pod["containers"] = [container] }
        if !imagePullSecrets.isEmpty { pod["imagePullSecrets"] = .array(imagePullSecrets) }
        if !nodeSelector.isEmpty { pod["nodeSelector"] = .object(nodeSelector.mapValues { .string($0) }) }
        if let affinity { pod["affinity"] = affinity }
        if !tolerations.isEmpty { pod["tolerations"] = .array(tolerations) }
        let replicatedJob: JSON = ["name": .string(Self.nodeJob),
                                   "template": ["spec": ["template": ["spec": pod]]]]
        return ["manager": .string(Self.manager),
                "trainingRuntimeSpec": ["template": ["spec": ["replicatedJobs": [replicatedJob]]]]]
    }
}

/// core/v1 shape checks for the pod options. Each error names the argument
/// path (e.g. `tolerations[0].operator`) and what it may be.
enum PodSpecShapes {
    static let tolerationOperators = ["Exists", "Equal"]
    static let taintEffects = ["NoSchedule", "PreferNoSchedule", "NoExecute"]
    static let selectorOperators = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]
    /// Volume sources a training pod may use. hostPath is left out on purpose:
    /// a model-chosen host directory in a pod is a way out of the container.
    static let volumeSources = ["persistentVolumeClaim", "configMap", "secret", "emptyDir", "nfs", "csi",
                                "ephemeral", "projected", "downwardAPI"]

    static func tolerations(_ value: JSON, field: String = "tolerations") throws -> [JSON] {
        let items = try list(value, field)
        for (i, item) in items.enumerated() {
            let f = "\(field)[\(i)]"
            let o = try object(item, f, keys: ["key", "operator", "value", "effect", "tolerationSeconds"])
            let op = try optionalString(o["operator"], "\(f).operator") ?? "Equal"
            try oneOf(op, tolerationOperators, "\(f).operator")
            if let effect = try optionalString(o["effect"], "\(f).effect"), !effect.isEmpty {
                try oneOf(effect, taintEffects, "\(f).effect")
            }
            let key = try optionalString(o["key"], "\(f).key") ?? ""
            let value = try optionalString(o["value"], "\(f).value") ?? ""
            if key.isEmpty && op != "Exists" {
                throw ToolError("\(f): a toleration without a key must use operator Exists (it then tolerates every taint).", field: field)
            }
            if op == "Exists" && !value.isEmpty {
                throw ToolError("\(f).value must be empty when operator is Exists.", field: field)
            }
            if let seconds = o["tolerationSeconds"], !seconds.isNull {
                guard seconds.int != nil else { throw ToolError("\(f).tolerationSeconds must be an integer.", field: field) }
                guard o["effect"]?.string == "NoExecute" else {
                    throw ToolError("\(f).tolerationSeconds applies only with effect NoExecute.", field: field)
                }
            }
        }
        return items
    }

    static func nodeSelector(_ value: JSON, field: String = "node_selector") throws -> [String: String] {
        guard let o = value.object else { throw ToolError("\(field) must be an object of label → value, e.g. {\"nvidia.com/gpu.product\": \"NVIDIA-A100-SXM4-80GB\"}.", field: field) }
        var out: [String: String] = [:]
        for (k, v) in o {
            guard let s = v.string else { throw ToolError("\(field).\(k) must be a string.", field: field) }
            guard isLabelKey(k) else { throw ToolError("\(field): \(k) is not a valid label key ([prefix/]name, letters, digits, '-', '_', '.').", field: field) }
            guard s.count <= 63, s.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
                throw ToolError("\(field).\(k): \(s) is not a valid label value (at most 63 letters, digits, '-', '_', '.').", field: field)
            }
            out[k] = s
        }
        return out
    }

    static func affinity(_ value: JSON, field: String = "affinity") throws -> JSON {
        let o = try object(value, field, keys: ["nodeAffinity", "podAffinity", "podAntiAffinity"])
        for (k, v) in o { try checkSelectorOperators(v, path: "\(field).\(k)", field: field) }
        return value
    }

    /// Every `matchExpressions[].operator` (node and label selectors) under `value`.
    private static func checkSelectorOperators(_ value: JSON, path: String, field: String) throws {
        switch value {
        case .object(let o):
            for (k, v) in o {
                if k == "matchExpressions" || k == "matchFields", let items = v.array {
                    for (i, e) in items.enumerated() {
                        let op = try optionalString(e["operator"], "\(path).\(k)[\(i)].operator") ?? ""
                        try oneOf(op, selectorOperators, "\(path).\(k)[\(i)].operator", field: field)
                    }
                } else {
                    try checkSelectorOperators(v, path: "\(path).\(k)", field: field)
                }
            }
        case .array(let a):
            for (i, v) in a.enumerated() { try checkSelectorOperators(v, path: "\(path)[\(i)]", field: field) }
        default:
            return
        }
    }

    static func volumes(_ value: JSON, field: String = "volumes") throws -> [JSON] {
        let items = try list(value, field)
        var seen: Set<String> = []
        for (i, item) in items.enumerated() {
            let f = "\(field)[\(i)]"
            guard let o = item.object else { throw ToolError("\(f) must be an object such as {\"name\": \"data\", \"persistentVolumeClaim\": {\"claimName\": \"my-pvc\"}}.", field: field) }
            let name = try resourceName(o["name"], "\(f).name", field: field)
            guard seen.insert(name).inserted else { throw ToolError("\(f).name: volume \(name) is given twice.", field: field) }
            let sources = o.keys.filter { $0 != "name" }
            if sources.contains("hostPath") {
                throw ToolError("\(f).hostPath is not allowed: a host directory in a training pod reaches outside the container. Use a persistentVolumeClaim.", field: field)
            }
            guard sources.count == 1, let source = sources.first, volumeSources.contains(source) else {
                throw ToolError("\(f) must have a name and exactly one source of: \(volumeSources.joined(separator: ", ")).", field: field)
            }
            guard o[source]?.object != nil else { throw ToolError("\(f).\(source) must be an object.", field: field) }
            if source == "persistentVolumeClaim" { _ = try resourceName(o[source]?["claimName"], "\(f).persistentVolumeClaim.claimName", field: field) }
        }
        return items
    }

    static func volumeMounts(_ value: JSON, field: String = "volume_mounts") throws -> [JSON] {
        let items = try list(value, field)
        for (i, item) in items.enumerated() {
            let f = "\(field)[\(i)]"
            let o = try object(item, f, keys: ["name", "mountPath", "readOnly", "subPath", "subPathExpr", "mountPropagation", "recursiveReadOnly"])
            _ = try resourceName(o["name"], "\(f).name", field: field)
            guard let path = o["mountPath"]?.string, path.hasPrefix("/") else {
                throw ToolError("\(f).mountPath must be an absolute path such as /mnt/checkpoints.", field: field)
            }
            if let sub = o["subPath"]?.string, sub.hasPrefix("/") || sub.split(separator: "/").contains("..") {
                throw ToolError("\(f).subPath must be a relative path without '..'.", field: field)
            }
            if let ro = o["readOnly"], ro.bool == nil { throw ToolError("\(f).readOnly must be true or false.", field: field) }
        }
        return items
    }

    /// `["regcred"]` or `[{"name": "regcred"}]` → `[{"name": "regcred"}]` (LocalObjectReference).
    static func imagePullSecrets(_ value: JSON, field: String = "image_pull_secrets") throws -> [JSON] {
        try list(value, field).enumerated().map { i, item in
            let name = item.string != nil ? item : try object(item, "\(field)[\(i)]", keys: ["name"])["name"]
            return ["name": .string(try resourceName(name, "\(field)[\(i)]", field: field))]
        }
    }

    static func serviceAccountName(_ value: String, field: String = "service_account_name") throws -> String {
        try resourceName(.string(value), field, field: field)
    }

    // MARK: small checks

    private static func list(_ value: JSON, _ field: String) throws -> [JSON] {
        guard let a = value.array else { throw ToolError("\(field) must be a list.", field: field) }
        return a
    }

    private static func object(_ value: JSON, _ path: String, keys: Set<String>) throws -> [String: JSON] {
        let field = String(path.prefix { $0 != "[" && $0 != "." })
        guard let o = value.object else { throw ToolError("\(path) must be an object.", field: field) }
        for k in o.keys where !keys.contains(k) {
            throw ToolError("\(path).\(k) is not a field; use \(keys.sorted().joined(separator: ", ")).", field: field)
        }
        return o
    }

    private static func optionalString(_ value: JSON?, _ path: String) throws -> String? {
        guard let value, !value.isNull else { return nil }
        guard let s = value.string else {
            throw ToolError("\(path) must be a string.", field: String(path.prefix { $0 != "[" && $0 != "." }))
        }
        return s
    }

    private static func oneOf(_ value: String, _ allowed: [String], _ path: String, field: String? = nil) throws {
        guard allowed.contains(value) else {
            throw ToolError("\(path) must be one of \(allowed.joined(separator: ", ")); got \(value.isEmpty ? "nothing" : value).",
                            field: field ?? String(path.prefix { $0 != "[" && $0 != "." }))
        }
    }

    /// A DNS-1123 subdomain: what names of PVCs, Secrets, volumes and service accounts must be.
    private static func resourceName(_ value: JSON?, _ path: String, field: String) throws -> String {
        guard let s = value?.string, !s.isEmpty, s.count <= 253,
              s.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == ".") }),
              s.first!.isLetter || s.first!.isNumber, s.last!.isLetter || s.last!.isNumber else {
            throw ToolError("\(path) must be a Kubernetes name (lower-case letters, digits, '-' and '.', starting and ending with a letter or digit).",
                            field: field)
        }
        return s
    }

    private static func isLabelKey(_ key: String) -> Bool {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let name = parts.last, !name.isEmpty, name.count <= 63 else { return false }
        let ok: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
        if parts.count == 2 && (parts[0].isEmpty || parts[0].count > 253 || !parts[0].allSatisfy(ok)) { return false }
        return name.allSatisfy(ok) && (name.first!.isLetter || name.first!.isNumber)
    }
}
