import PluginKit

/// What a completed TrainJob (or a tuning trial's TrainJob) says about the
/// model it made: where its last checkpoint lives, and the metadata that ties
/// a registered version to its origin.
struct JobOrigin {
    var uri: String?
    var metadata: [String: JSON]
    /// Default model name: the base model's last path part, else the job's name.
    var suggestedName: String
    var notes: [String]

    static let trainJobs = K8sResource.trainJobs
    static let trials = K8sResource(group: "kubeflow.org", version: "v1beta1", resource: "trials", kind: "Trial")

    static func read(job: String, namespace: String, _ call: ToolCall) throws -> JobOrigin {
        let object = try call.k8sJSON(.get(trainJobs, job, namespace: namespace))
        let conditions = object["status"]?["conditions"]?.array ?? []
        func isTrue(_ type: String) -> Bool { conditions.contains { $0["type"]?.string == type && $0["status"]?.string == "True" } }
        guard isTrue("Complete") else {
            let state = isTrue("Failed") ? "failed" : "not complete yet"
            throw ToolError("TrainJob \(job) in \(namespace) is \(state); register a model from a job that completed (get_training_job shows its status).",
                            field: "job_id")
        }
        let spec = object["spec"] ?? [:]
        var metadata: [String: JSON] = ["origin_kind": "TrainJob", "origin_job": .string(job), "origin_namespace": .string(namespace)]
        if let runtime = spec["runtimeRef"]?["name"]?.string { metadata["runtime"] = .string(runtime) }
        let baseModel = spec["initializer"]?["model"]?["storageUri"]?.string
        if let baseModel { metadata["base_model"] = .string(baseModel) }
        if let dataset = spec["initializer"]?["dataset"]?["storageUri"]?.string { metadata["dataset"] = .string(dataset) }
        if let method = Self.method(object) { metadata["method"] = .string(method) }
        // Who ran it, as the host stamped it: the registry keeps the tie to the job's owner.
        if let owner = object["metadata"]?["annotations"]?["kubeflow-mcp.kubeflow.org/owner"]?.string {
            metadata["origin_owner"] = .string(owner)
        }
        // Final metrics: the trainer's own report (status.trainerStatus, only with v2.3.0's TrainJobStatus
        // gate on), and for a Katib trial the metrics Katib collected from its output (below).
        for m in object["status"]?["trainerStatus"]?["metrics"]?.array ?? [] {
            guard let name = m["name"]?.string, Metadata.isKey(name), name != "step", let value = m["value"]?.string else { continue }
            metadata["final_" + name] = Double(value).map { .double($0) } ?? .string(value)
        }
        let labels = object["metadata"]?["labels"]?.object ?? [:]
        if let trial = labels["katib.kubeflow.org/trial"]?.string {
            metadata["origin_kind"] = "Trial"
            metadata["origin_trial"] = .string(trial)
            if let experiment = labels["katib.kubeflow.org/experiment"]?.string { metadata["origin_experiment"] = .string(experiment) }
            if let t = try? call.k8sJSON(.get(trials, trial, namespace: namespace)) {
                for p in t["spec"]?["parameterAssignments"]?.array ?? [] {
                    guard let name = p["name"]?.string, Metadata.isKey(name), let value = p["value"]?.string else { continue }
                    metadata["hp_" + name] = Double(value).map { .double($0) } ?? .string(value)
                }
                for m in t["status"]?["observation"]?["metrics"]?.array ?? [] {
                    guard let name = m["name"]?.string, Metadata.isKey(name), let value = m["latest"]?.string,
                          let number = Double(value) else { continue }
                    metadata["final_" + name] = .double(number)
                }
            }
        }
        var notes: [String] = []
        let uri = try checkpointURI(job: job, namespace: namespace, call, notes: &notes)
        let name = baseModel.map { String($0.split(separator: "/").last ?? "") }.map { RegistryNames.slug($0 + "-ft") } ?? RegistryNames.slug(job)
        return JobOrigin(uri: uri, metadata: metadata, suggestedName: name, notes: notes)
    }

    /// The fine-tuning method, as the trainer's command and arguments say it:
    /// 4-bit loading (TRL's `--load_in_4bit`, Unsloth's `load_in_4bit=True`) is
    /// QLoRA; LoRA settings (torchtune's `model.lora_*`, TRL's `--use_peft`,
    /// Unsloth's `get_peft_model`) are LoRA; torchtune (`tune run`) without them
    /// is full fine-tuning; nil for a plain function or image.
    static func method(_ object: JSON) -> String? {
        let trainer = object["spec"]?["trainer"] ?? [:]
        let parts = ((trainer["command"]?.array ?? []) + (trainer["args"]?.array ?? [])).compactMap(\.string)
        let words = parts.joined(separator: " ").lowercased()
        if words.contains("--load_in_4bit") || words.contains("load_in_4bit=true") || words.contains("qlora") { return "qlora" }
        if words.contains("lora") || words.contains("--use_peft") || words.contains("get_peft_model") { return "lora" }
        if parts.starts(with: ["tune", "run"]) { return "full" }
        return nil
    }

    /// The newest checkpoint on a PVC, as KServe's storage URI: pvc://{claim}/{path under the mount}.
    static func checkpointURI(job: String, namespace: String, _ call: ToolCall, notes: inout [String]) throws -> String? {
        guard let answer = try call.callTool("list_checkpoints", ["job_id": .string(job), "namespace": .string(namespace)]) else {
            notes.append("list_checkpoints is not loaded (the Trainer plugin): give uri.")
            return nil
        }
        let persistent = (answer["checkpoints"]?.array ?? []).filter { $0["storage"]?["persistent"]?.bool == true }
        guard let last = persistent.last, let claim = last["storage"]?["claim_name"]?.string,
              let path = last["path"]?.string, let mount = last["storage"]?["mount_path"]?.string else {
            notes.append("\(job) reported no checkpoint on a PVC (pod-local ones are gone with the pod): give uri.")
            return nil
        }
        var relative = path.hasPrefix(mount) ? String(path.dropFirst(mount.count)) : path
        while relative.hasPrefix("/") { relative.removeFirst() }
        return "pvc://\(claim)" + (relative.isEmpty ? "" : "/\(relative)")
    }
}
