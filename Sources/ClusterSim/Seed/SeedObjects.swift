import KFJSON

/// Turns a `SimSeed` into the Kubernetes objects the store starts with.
enum SeedObjects {
    static func all(_ seed: SimSeed) throws -> [(ResourceType, JSON)] {
        var objects: [(ResourceType, JSON)] = []
        for ns in seed.namespaces { objects.append((ResourceCatalog.namespaces, namespace(ns))) }
        for ns in seed.namespaces { objects.append((ResourceCatalog.serviceAccounts, defaultServiceAccount(ns))) }
        for (i, n) in seed.nodes.enumerated() { objects.append((ResourceCatalog.nodes, node(n, index: i))) }
        objects.append((ResourceCatalog.configMaps, [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": "kubeflow-trainer-public", "namespace": "kubeflow-system",
                         "labels": ["app.kubernetes.io/name": "trainer"]],
            "data": ["kubeflow_trainer_version": .string(seed.trainerVersion)],
        ]))
        if seed.builtinRuntimes {
            for runtime in try BuiltinRuntimes.load() { objects.append((ResourceCatalog.clusterTrainingRuntimes, runtime)) }
        }
        for object in seed.objects {
            guard let type = type(of: object) else {
                throw SimSeed.SeedError(description: "seed: unknown kind \(object["kind"]?.string ?? "?") "
                                            + "(\(object["apiVersion"]?.string ?? "?"))")
            }
            objects.append((type, object))
        }
        return objects
    }

    static func type(of object: JSON) -> ResourceType? {
        guard let apiVersion = object["apiVersion"]?.string, let kind = object["kind"]?.string else { return nil }
        let parts = apiVersion.split(separator: "/").map(String.init)
        let (group, version) = parts.count == 2 ? (parts[0], parts[1]) : ("", apiVersion)
        return ResourceCatalog.all.first { $0.group == group && $0.version == version && $0.kind == kind }
    }

    static func namespace(_ name: String) -> JSON {
        ["apiVersion": "v1", "kind": "Namespace",
         "metadata": ["name": .string(name), "labels": ["kubernetes.io/metadata.name": .string(name),
                                                      // As a Kubeflow Profile labels its namespace: Katib admits
                                                      // experiments and injects its collector only there.
                                                      ExperimentWebhooks.injectionLabel: "enabled"]],
         "spec": ["finalizers": ["kubernetes"]], "status": ["phase": "Active"]]
    }

    /// Every namespace has the `default` service account (the token controller makes it).
    static func defaultServiceAccount(_ namespace: String) -> JSON {
        ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": "default", "namespace": .string(namespace)]]
    }

    static func node(_ n: SimSeed.Node, index: Int) -> JSON {
        var labels: [String: JSON] = [
            "kubernetes.io/hostname": .string(n.name), "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64",
        ]
        if let t = n.instanceType { labels["node.kubernetes.io/instance-type"] = .string(t) }
        var resources: [String: JSON] = ["cpu": .string(n.cpu), "memory": .string(n.memory), "pods": "110",
                                         "ephemeral-storage": "1Ti"]
        if n.gpus > 0 {
            resources["nvidia.com/gpu"] = .string(String(n.gpus))
            labels["nvidia.com/gpu.present"] = "true"
            labels["nvidia.com/gpu.count"] = .string(String(n.gpus))
            if let product = n.gpuProduct { labels["nvidia.com/gpu.product"] = .string(product) }
        }
        let now = Timestamp.now()
        return [
            "apiVersion": "v1", "kind": "Node",
            "metadata": ["name": .string(n.name), "labels": .object(labels)],
            "spec": n.taints.isEmpty ? ["podCIDR": .string("10.244.\(index).0/24")]
                : ["podCIDR": .string("10.244.\(index).0/24"), "taints": .array(n.taints)],
            "status": [
                "capacity": .object(resources), "allocatable": .object(resources),
                "addresses": [["type": "InternalIP", "address": .string("10.0.0.\(index + 10)")],
                              ["type": "Hostname", "address": .string(n.name)]],
                "conditions": [["type": "Ready", "status": "True", "reason": "KubeletReady",
                                "message": "kubelet is posting ready status", "lastHeartbeatTime": .string(now),
                                "lastTransitionTime": .string(now)]],
                "nodeInfo": ["kubeletVersion": "v1.32.0", "kubeProxyVersion": "v1.32.0",
                             "containerRuntimeVersion": "containerd://1.7.24", "operatingSystem": "linux",
                             "architecture": "amd64", "osImage": "Ubuntu 22.04.5 LTS",
                             "kernelVersion": "6.8.0-1021-aws"],
            ],
        ]
    }
}
