import KFJSON

/// The default scheduler's filters for one pod on one node: node selector, required node
/// affinity (`In`/`NotIn`/`Exists`/`DoesNotExist`), taints and tolerations, and GPUs.
/// Each failing filter gives the reason text kube-scheduler puts in FailedScheduling.
enum NodeFit {
    struct Node: Sendable {
        let name: String
        let labels: [String: String]
        let taints: [JSON]

        init(_ object: JSON) {
            name = object["metadata"]?["name"]?.string ?? ""
            labels = (object["metadata"]?["labels"]?.object ?? [:]).compactMapValues(\.string)
            taints = object["spec"]?["taints"]?.array ?? []
        }
    }

    static let selectorMismatch = "node(s) didn't match Pod's node affinity/selector"
    static let insufficientGPU = "Insufficient nvidia.com/gpu"

    /// nil when the pod may run on the node (GPUs aside); else why not.
    static func reason(podSpec: JSON, node: Node) -> String? {
        for (key, value) in podSpec["nodeSelector"]?.object ?? [:] where node.labels[key] != value.string {
            return selectorMismatch
        }
        let terms = podSpec["affinity"]?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]?[
            "nodeSelectorTerms"]?.array ?? []
        if !terms.isEmpty && !terms.contains(where: { matches(term: $0, node.labels) }) { return selectorMismatch }
        let tolerations = podSpec["tolerations"]?.array ?? []
        for taint in node.taints where taint["effect"]?.string != "PreferNoSchedule" {
            if !tolerations.contains(where: { tolerates($0, taint) }) {
                let key = taint["key"]?.string ?? ""
                let value = taint["value"]?.string.map { ": \($0)" } ?? ""
                return "node(s) had untolerated taint {\(key)\(value)}"
            }
        }
        return nil
    }

    /// "0/4 nodes are available: 1 Insufficient nvidia.com/gpu, 3 node(s) didn't match ...".
    static func failedSchedulingMessage(_ reasons: [String]) -> String {
        var counts: [String: Int] = [:]
        for r in reasons { counts[r, default: 0] += 1 }
        let list = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        let preemption = counts.sorted { $0.key < $1.key }.map { reason, n in
            reason == insufficientGPU ? "\(n) No preemption victims found for incoming pod"
                : "\(n) Preemption is not helpful for scheduling"
        }.joined(separator: ", ")
        return "0/\(reasons.count) nodes are available: \(list). preemption: 0/\(reasons.count) nodes are available: "
            + "\(preemption)."
    }

    private static func matches(term: JSON, _ labels: [String: String]) -> Bool {
        (term["matchExpressions"]?.array ?? []).allSatisfy { e in
            let key = e["key"]?.string ?? ""
            let values = (e["values"]?.array ?? []).compactMap(\.string)
            switch e["operator"]?.string {
            case "In": return labels[key].map(values.contains) ?? false
            case "NotIn": return !(labels[key].map(values.contains) ?? false)
            case "Exists": return labels[key] != nil
            case "DoesNotExist": return labels[key] == nil
            default: return false
            }
        }
    }

    private static func tolerates(_ toleration: JSON, _ taint: JSON) -> Bool {
        if let effect = toleration["effect"]?.string, !effect.isEmpty, effect != taint["effect"]?.string { return false }
        let key = toleration["key"]?.string ?? ""
        if toleration["operator"]?.string == "Exists" { return key.isEmpty || key == taint["key"]?.string }
        return key == taint["key"]?.string && (toleration["value"]?.string ?? "") == (taint["value"]?.string ?? "")
    }
}
