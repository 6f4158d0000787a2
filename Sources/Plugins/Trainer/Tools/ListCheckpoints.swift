import PluginKit

/// KEP-936 Phase 4: the checkpoints of a job, to resume from with fine_tune or
/// run_custom_training (`resume_from_checkpoint`).
enum CheckpointTools {
    static var all: [ToolDefinition] { [listCheckpoints] }

    static let listCheckpoints = ToolDefinition(
        name: "list_checkpoints", title: "List checkpoints",
        description: "Checkpoints a TrainJob's trainer reported (trainerStatus metrics and node-0's log lines), newest last, each with the volume it lives on (PVC claim, or pod-local and lost with the pod). Resume from one with fine_tune or run_custom_training resume_from_checkpoint, mounting its PVC with volumes/volume_mounts.",
        category: "monitoring", risk: .readOnly, idempotent: true, input: LifecycleTools.jobInput,
        output: Schema.result(always: ["job_id": Schema.of("string"), "status": Schema.of("string"), "checkpoints": Schema.list(), "count": Schema.of("integer"), "notes": Schema.list(Schema.of("string"))])
    ) { call in
        let api = try TrainerAPI(call)
        let job = try call.string("job_id")
        let details = try api.jobDetails(job)
        var found = Checkpoint.fromTrainerStatus(details.object["status"]?["trainerStatus"])
        let node0 = details.steps.first { $0.name == "node-0" }
        var notes: [String] = []
        if let node0, node0.status != "Pending" {
            let r = call.k8s(.get(.pods, node0.podName, namespace: api.namespace, subresource: "log", query: ["container": "node"]))
            if r.ok, let text = r.body.string {
                found += Checkpoint.fromLogs(text.split(separator: "\n").map(String.init))
            } else {
                notes.append("node-0's logs could not be read; only checkpoints in trainerStatus are listed.")
            }
        } else {
            notes.append("No node-0 pod to read logs from (not started, or deleted); only checkpoints in trainerStatus are listed.")
        }
        let pod = details.pods.first { $0["metadata"]?["name"]?.string == node0?.podName }
        // The pod's own spec when it has volumes (a real cluster merges runtime and patches
        // into it); else what the job's patches say. (No `? spec : nil` here: nil would be JSON.null.)
        var podSpec: JSON? = Checkpoint.patchedPodSpec(details.object)
        if let spec = pod?["spec"], spec["volumes"]?.array != nil { podSpec = spec }
        var seen: Set<String> = []
        let checkpoints = found.filter { seen.insert($0.path).inserted }.map { c -> Checkpoint in
            var c = c
            c.storage = Checkpoint.storage(of: c.path, podSpec: podSpec)
            return c
        }
        if checkpoints.contains(where: { !($0.storage?.persistent ?? false) }) {
            notes.append("Checkpoints not on a PVC are lost with the pod: give the next job volumes/volume_mounts with a persistentVolumeClaim and write checkpoints there.")
        }
        let text = checkpoints.isEmpty
            ? "\(job) reported no checkpoints yet."
            : checkpoints.map { c in
                "\(c.path)\(c.storage.map { s in s.claimName.map { " (PVC \($0))" } ?? " (\(s.kind), pod-local)" } ?? " (pod-local)")"
            }.joined(separator: "\n")
        return ToolOutput(["job_id": .string(job), "status": .string(details.status),
                           "checkpoints": .array(checkpoints.map(\.json)), "count": .int(checkpoints.count),
                           "notes": .array(notes.map { .string($0) })], text: text)
    }
}

/// `resume_from_checkpoint`: a path inside the training container (usually on a
/// PVC mounted with volumes/volume_mounts). Checked before it reaches a
/// command line or a backend.
enum ResumeArgument {
    static let schema = Schema.string("Resume from this checkpoint path in the training container (see list_checkpoints); mount its PVC with volumes/volume_mounts.")

    static func read(_ call: ToolCall) throws -> String? {
        guard let path = try call.optionalString("resume_from_checkpoint") else { return nil }
        guard Checkpoint.isPath(path) else {
            throw ToolError("resume_from_checkpoint must be an absolute path without '..' (letters, digits, / . _ - + = @), e.g. /mnt/checkpoints/checkpoint-500.",
                            field: "resume_from_checkpoint")
        }
        return path
    }
}
