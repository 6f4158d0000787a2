import PluginKit

extension DiscoveryTools {
    static let getClusterResources = ToolDefinition(
        name: "get_cluster_resources", title: "GPU capacity",
        description: "Per node: GPU model, GPUs in capacity, allocatable, requested by running/pending pods, and free; plus totals. Two API requests however large the cluster (under a namespace allowlist: pods of the allowed namespaces only).",
        category: "discovery", risk: .readOnly, idempotent: true, input: Schema.object([:]),
        output: Schema.result(always: ["nodes": Schema.list(), "totals": Schema.of("object")])
    ) { call in
        let nodes = try call.k8sJSON(.list(.nodes))["items"]?.array ?? []
        // All namespaces, or each one a namespace allowlist permits.
        let pods = try call.listEverywhere(.pods, query: ["fieldSelector": "status.phase!=Succeeded,status.phase!=Failed"])
        let report = GPUReport(nodes: nodes, pods: pods)
        return ToolOutput(report.json, text: report.summary)
    }
}
