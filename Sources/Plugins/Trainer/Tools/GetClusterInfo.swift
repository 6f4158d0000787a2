import PluginKit

extension DiscoveryTools {
    static let getClusterInfo = ToolDefinition(
        name: "get_cluster_info", title: "Cluster connection",
        description: "Whether the Kubernetes API answers, its version, whether Kubeflow Trainer is installed and which version, and the current namespace and identity.",
        category: "discovery", risk: .readOnly, idempotent: true,
        input: Schema.object(["doctor": doctorFlag]),
        output: Schema.result(always: ["reachable": Schema.of("boolean"), "trainer_installed": Schema.of("boolean"), "trainer_resources": Schema.list(Schema.of("string")), "trainer_version": Schema.of("string", "null")], sometimes: ["server_version": Schema.of("string", "null"), "error": Schema.of("string"), "checks": Schema.list()])
    ) { call in
        let context = call.context()
        let version = call.k8s(.nonResource("/version"))
        var result: JSON = ["reachable": .bool(version.ok || version.status != 0),
                            "namespace": context["namespace"] ?? .null, "user": context["user"] ?? .null]
        if version.ok { result["server_version"] = version.body["gitVersion"] ?? .null }
        else if version.status == 0 { result["error"] = .string(version.errorMessage ?? "The API server did not answer.") }
        let crds = call.k8s(TrainerAPI.discovery)
        let resources = (crds.body["resources"]?.array ?? []).compactMap { $0["name"]?.string }.filter { !$0.contains("/") }
        result["trainer_installed"] = .bool(crds.ok && resources.contains("trainjobs"))
        result["trainer_resources"] = .array(resources.sorted().map { .string($0) })
        let configMap = call.k8s(TrainerAPI.publicConfigMap)
        result["trainer_version"] = configMap.ok ? configMap.body["data"]?["kubeflow_trainer_version"] ?? .null : .null
        if try call.optionalBool("doctor") == true {
            result["checks"] = .array(doctorChecks(call, crds: crds, resources: resources, configMap: configMap,
                                                   namespace: context["namespace"]?.string ?? "default"))
        }
        let text = version.ok
            ? "Kubernetes \(result["server_version"]?.string ?? "?"); Trainer \(result["trainer_installed"]?.bool == true ? "installed (\(result["trainer_version"]?.string ?? "version unknown"))" : "not installed"); namespace \(context["namespace"]?.string ?? "default")."
            : "The Kubernetes API is not reachable: \(version.errorMessage ?? "no answer")."
        return ToolOutput(result, text: text)
    }

    /// `kubeflow-mcp doctor` sets it (the "x-kfmcp-doctor" convention in the header)
    /// to read what Trainer needs from the cluster as checks, one line each.
    static let doctorFlag: JSON = {
        var flag = Schema.boolean("Also report, as `checks`, whether the Trainer CRDs and version are present and whether you may create, list and delete TrainJobs here (three more API requests).")
        flag["x-kfmcp-doctor"] = true
        return flag
    }()

    /// What Trainer needs: its CRDs, its version ConfigMap, and TrainJob rights in the namespace.
    static func doctorChecks(_ call: ToolCall, crds: K8sResponse, resources: [String], configMap: K8sResponse,
                             namespace: String) -> [JSON] {
        func check(_ ok: Bool, _ text: String) -> JSON { ["ok": .bool(ok), "text": .string(text)] }
        let needed = ["trainjobs", "trainingruntimes", "clustertrainingruntimes"]
        var checks = [check(crds.ok && needed.allSatisfy(resources.contains),
                            crds.ok ? "Kubeflow Trainer CRDs: \(needed.filter(resources.contains).joined(separator: ", "))"
                                    : "Kubeflow Trainer CRDs not installed (\(crds.errorMessage ?? "HTTP \(crds.status)"))")]
        let trainerVersion = configMap.body["data"]?["kubeflow_trainer_version"]?.string
        checks.append(check(trainerVersion != nil,
                            "Kubeflow Trainer version: \(trainerVersion ?? "unknown (\(configMap.errorMessage ?? "no kubeflow-trainer-public ConfigMap"))")"))
        for verb in ["create", "list", "delete"] {
            let review: JSON = ["apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                                "spec": ["resourceAttributes": ["group": "trainer.kubeflow.org", "resource": "trainjobs",
                                                                "verb": .string(verb), "namespace": .string(namespace)]]]
            let answer = call.k8s(.create(.selfSubjectAccessReviews, body: review))
            let allowed = answer.body["status"]?["allowed"]?.bool
            checks.append(check(allowed ?? false,
                                "may \(verb) trainjobs in \(namespace): \(allowed.map { $0 ? "yes" : "no" } ?? (answer.errorMessage ?? "unknown"))"))
        }
        return checks
    }
}
