import Foundation
import KFJSON

/// The pods a JobSet creates for a TrainJob, and their status as they move through phases.
enum PodFactory {
    /// Pods are a core type: the API server stores resource quantities in their
    /// canonical string form ("4", "64Gi"), whatever number the TrainJob held.
    static func quantitiesAsStrings(_ resources: JSON) -> JSON {
        var out = resources
        for section in ["requests", "limits"] {
            guard let values = resources[section]?.object else { continue }
            out[section] = .object(values.mapValues { value in
                if let i = value.int { return .string(String(i)) }
                if let d = value.double { return .string(String(d)) }
                return value
            })
        }
        return out
    }

    /// `<job>-<replicatedjob>-0-<index>-<5 random chars>`, labelled like JobSet and the Job controller do.
    static func pod(job: JSON, plan: JobPlan, replicated: JobPlan.ReplicatedJob, index: Int, ownerUID: String) -> JSON {
        let jobName = job.name
        let childJob = "\(jobName)-\(replicated.name)-0"
        var labels: [String: JSON] = [
            "jobset.sigs.k8s.io/jobset-name": .string(jobName),
            "jobset.sigs.k8s.io/replicatedjob-name": .string(replicated.name),
            "jobset.sigs.k8s.io/replicatedjob-replicas": "1",
            "jobset.sigs.k8s.io/job-index": "0",
            "jobset.sigs.k8s.io/job-key": .string(childJob),
            "batch.kubernetes.io/job-completion-index": .string(String(index)),
            "batch.kubernetes.io/job-name": .string(childJob),
            "job-name": .string(childJob),
            "batch.kubernetes.io/controller-uid": .string(ownerUID),
        ]
        if let step = replicated.ancestorStep { labels["trainer.kubeflow.org/trainjob-ancestor-step"] = .string(step) }
        let template = replicated.podTemplate
        for (key, value) in template["metadata"]?["labels"]?.object ?? [:] where labels[key] == nil { labels[key] = value }
        var annotations = template["metadata"]?["annotations"]?.object ?? [:]
        annotations["batch.kubernetes.io/job-completion-index"] = .string(String(index))
        var container = replicated.container
        if !replicated.isInitializer {
            var env = container["env"]?.array ?? []
            env += [
                ["name": "PET_NNODES", "value": .string(String(plan.numNodes))],
                ["name": "PET_NPROC_PER_NODE", "value": .string(String(max(1, plan.gpusPerNode)))],
                ["name": "PET_NODE_RANK", "value": .string(String(index))],
                ["name": "PET_MASTER_ADDR", "value": .string("\(jobName)-node-0-0.\(jobName)")],
                ["name": "PET_MASTER_PORT", "value": "29400"],
            ]
            container["env"] = .array(env)
        }
        container["resources"] = quantitiesAsStrings(container["resources"] ?? [:])
        // The runtime's pod spec (with runtime patches) around the main container.
        var spec = template["spec"] ?? [:]
        var containers = spec["containers"]?.array ?? []
        let main = containers.firstIndex { $0["name"] == container["name"] } ?? 0
        if containers.isEmpty { containers = [container] } else { containers[main] = container }
        spec["containers"] = .array(containers)
        var volumes = spec["volumes"]?.array ?? []
        for claim in plan.claimTemplates where !volumes.contains(where: { $0["name"]?.string == claim }) {
            volumes.append(["name": .string(claim), "persistentVolumeClaim": ["claimName": .string("\(claim)-\(jobName)")]])
        }
        if !volumes.isEmpty { spec["volumes"] = .array(volumes) }
        spec["restartPolicy"] = spec["restartPolicy"] ?? "Never"
        spec["schedulerName"] = spec["schedulerName"] ?? "default-scheduler"
        spec["hostname"] = .string("\(childJob)-\(index)")
        spec["subdomain"] = .string(jobName)
        spec["serviceAccountName"] = spec["serviceAccountName"] ?? "default"
        spec["terminationGracePeriodSeconds"] = spec["terminationGracePeriodSeconds"] ?? 30
        return [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": .string("\(childJob)-\(index)-\(RandomName.suffix())"),
                "namespace": .string(job.namespace),
                "labels": .object(labels),
                "annotations": .object(annotations),
                "ownerReferences": [ChildObjects.owner(apiVersion: "batch/v1", kind: "Job", name: childJob, uid: ownerUID)],
            ],
            "spec": spec,
            "status": ["phase": "Pending", "qosClass": "BestEffort"],
        ]
    }

    /// Scheduled on a node, container not started yet (waiting on initializers).
    static func scheduled(_ pod: JSON, node: String) -> JSON {
        var p = pod
        p.set(.string(node), at: ["spec", "nodeName"])
        p["status"] = [
            "phase": "Pending", "qosClass": "BestEffort", "hostIP": .string(hostIP(node)),
            "conditions": [["type": "PodScheduled", "status": "True", "lastTransitionTime": .string(Timestamp.now())]],
        ]
        return p
    }

    static func running(_ pod: JSON) -> JSON {
        var p = pod
        let now = Timestamp.now()
        let node = pod["spec"]?["nodeName"]?.string ?? ""
        p["status"] = [
            "phase": "Running", "qosClass": "BestEffort", "hostIP": .string(hostIP(node)),
            "podIP": .string("10.244.\(abs(pod.name.hashValue) % 200).\(abs(pod.name.hashValue / 7) % 250 + 2)"),
            "startTime": .string(now),
            "conditions": conditions(ready: true, at: now),
            "containerStatuses": containerStatuses(pod, state: ["running": ["startedAt": .string(now)]], ready: true),
        ]
        return p
    }

    static func terminated(_ pod: JSON, exitCode: Int) -> JSON {
        var p = pod
        let now = Timestamp.now()
        let started = pod["status"]?["startTime"]?.string ?? now
        var status = pod["status"] ?? [:]
        status["phase"] = .string(exitCode == 0 ? "Succeeded" : "Failed")
        status["conditions"] = conditions(ready: false, at: now)
        status["containerStatuses"] = containerStatuses(pod, state: ["terminated": [
            "exitCode": .int(exitCode), "reason": .string(exitCode == 0 ? "Completed" : "Error"),
            "startedAt": .string(started), "finishedAt": .string(now)]], ready: false)
        p["status"] = status
        return p
    }

    private static func conditions(ready: Bool, at time: String) -> JSON {
        let r: JSON = ready ? "True" : "False"
        return .array([("PodReadyToStartContainers", "True" as JSON), ("Initialized", "True"), ("Ready", r),
                       ("ContainersReady", r), ("PodScheduled", "True")].map { type, status in
            ["type": .string(type), "status": status, "lastTransitionTime": .string(time)]
        })
    }

    /// One status per container (a Katib trial pod has the collector sidecar too), all in `state`.
    private static func containerStatuses(_ pod: JSON, state: JSON, ready: Bool) -> JSON {
        let containers = pod["spec"]?["containers"]?.array ?? []
        return .array((containers.isEmpty ? [["name": "node"]] : containers).map { c in
            ["name": c["name"] ?? "node", "image": c["image"] ?? "", "imageID": "", "ready": .bool(ready),
             "started": .bool(ready), "restartCount": 0, "state": state]
        })
    }

    private static func hostIP(_ node: String) -> String { "10.0.0.\(abs(node.hashValue) % 200 + 10)" }
}

extension PodFactory {
    /// Scheduled, but a container cannot start: Waiting with `reason` (CreateContainerConfigError,
    /// ErrImagePull/ImagePullBackOff), as `kubectl get pod` shows it in STATUS.
    static func waiting(_ pod: JSON, container: String, reason: String, message: String) -> JSON {
        var p = pod
        let now = Timestamp.now()
        var status = pod["status"] ?? [:]
        status["phase"] = "Pending"
        status["conditions"] = .array([("PodReadyToStartContainers", "True"), ("Initialized", "True"),
                                       ("Ready", "False"), ("ContainersReady", "False"), ("PodScheduled", "True")].map {
            ["type": .string($0.0), "status": .string($0.1), "lastTransitionTime": .string(now)]
        })
        status["containerStatuses"] = .array((pod["spec"]?["containers"]?.array ?? []).map { c in
            let state: JSON = c["name"]?.string == container
                ? ["waiting": ["reason": .string(reason), "message": .string(message)]]
                : ["waiting": ["reason": "PodInitializing"]]
            return ["name": c["name"] ?? "", "image": c["image"] ?? "", "imageID": "", "ready": false,
                    "started": false, "restartCount": 0, "state": state]
        })
        p["status"] = status
        return p
    }

    /// Pending and unschedulable, with the scheduler's reason in the PodScheduled condition.
    static func unschedulable(_ pod: JSON, message: String) -> JSON {
        var p = pod
        p["status"] = [
            "phase": "Pending", "qosClass": "BestEffort",
            "conditions": [["type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                            "lastTransitionTime": .string(Timestamp.now()), "message": .string(message)]],
        ]
        return p
    }
}
