import KFJSON

/// The pod template a JobSet child Job stamps out: the runtime's own template for one
/// replicated job, with the TrainJob's `spec.runtimePatches` merged in, in order, the way
/// the Trainer controller applies a manager's `trainingRuntimeSpec` patch (v2.3.0).
///
/// A patch reaches the pods through
/// `trainingRuntimeSpec.template.spec.replicatedJobs[name].template.spec.template`
/// (metadata and a `PodSpecPatch`: serviceAccountName, nodeSelector, tolerations,
/// imagePullSecrets, volumes, affinity, securityContext, schedulingGates, and
/// containers/initContainers patched by name: env, volumeMounts, securityContext).
enum PodTemplate {
    /// `{metadata, spec}` for `replicatedJob` of `runtime`, patched by `patches`.
    static func resolve(runtimeReplicatedJob rj: JSON, patches: [JSON]) -> JSON {
        var template = rj["template"]?["spec"]?["template"] ?? [:]
        let name = rj["name"]?.string ?? ""
        for patch in patches {
            let jobs = patch["trainingRuntimeSpec"]?["template"]?["spec"]?["replicatedJobs"]?.array ?? []
            for job in jobs where job["name"]?.string == name {
                guard let podPatch = job["template"]?["spec"]?["template"] else { continue }
                template = apply(podPatch, to: template)
            }
        }
        return template
    }

    /// Merges one pod template patch into a pod template.
    static func apply(_ patch: JSON, to template: JSON) -> JSON {
        var out = template
        for key in ["labels", "annotations"] {
            if let values = patch["metadata"]?[key]?.object {
                var merged = out["metadata"]?[key]?.object ?? [:]
                merged.merge(values) { _, new in new }
                out.set(.object(merged), at: ["metadata", key])
            }
        }
        guard let spec = patch["spec"]?.object else { return out }
        var podSpec = out["spec"] ?? [:]
        for (key, value) in spec {
            switch key {
            case "nodeSelector":
                var merged = podSpec["nodeSelector"]?.object ?? [:]
                merged.merge(value.object ?? [:]) { _, new in new }
                podSpec["nodeSelector"] = .object(merged)
            case "volumes", "imagePullSecrets":
                podSpec[key] = mergeByName(podSpec[key]?.array ?? [], value.array ?? [])
            case "tolerations", "schedulingGates":
                podSpec[key] = .array((podSpec[key]?.array ?? []) + (value.array ?? []))
            case "containers", "initContainers":
                podSpec[key] = patchContainers(podSpec[key]?.array ?? [], value.array ?? [])
            default:
                podSpec[key] = value   // serviceAccountName, affinity, securityContext
            }
        }
        out["spec"] = podSpec
        return out
    }

    /// Containers are patched by name; a patch naming an unknown container adds nothing
    /// (the Trainer webhook refuses those patches; the SDK says "must exist in the Runtime").
    private static func patchContainers(_ containers: [JSON], _ patches: [JSON]) -> JSON {
        .array(containers.map { container in
            var c = container
            for patch in patches where patch["name"] == container["name"] {
                if let env = patch["env"]?.array { c["env"] = mergeByName(c["env"]?.array ?? [], env) }
                if let mounts = patch["volumeMounts"]?.array {
                    c["volumeMounts"] = mergeBy("mountPath", c["volumeMounts"]?.array ?? [], mounts)
                }
                if let security = patch["securityContext"] { c["securityContext"] = security }
            }
            return c
        })
    }

    static func mergeByName(_ base: [JSON], _ additions: [JSON]) -> JSON { mergeBy("name", base, additions) }

    /// Strategic-merge style: an addition replaces the item with the same key, else is appended.
    private static func mergeBy(_ key: String, _ base: [JSON], _ additions: [JSON]) -> JSON {
        var out = base
        for item in additions {
            if let i = out.firstIndex(where: { $0[key] != nil && $0[key] == item[key] }) {
                out[i] = item
            } else {
                out.append(item)
            }
        }
        return .array(out)
    }
}
