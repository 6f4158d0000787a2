import PluginKit

/// Checkpoints a training run reported (KEP-936 Phase 4), found where a real
/// cluster keeps them: the paths the trainer reports (trainerStatus metrics,
/// its log lines: Hugging Face's "Saving model checkpoint to /out/checkpoint-500",
/// torchtune's "... saved to /ckpt/epoch_0/...", "Saved checkpoint to /out"), and
/// the volume each path lives on, from the node pod's own spec (runtime and
/// patches merged by the controller) or else the job's runtime patches.
struct Checkpoint: Equatable, Sendable {
    var path: String
    var step: Int?
    var epoch: Int?
    var source: String  // "trainerStatus" | "logs"
    var storage: Storage?

    struct Storage: Equatable, Sendable {
        var volume: String
        var mountPath: String
        var claimName: String?
        var kind: String  // the volume source, e.g. persistentVolumeClaim, emptyDir

        /// Only a PVC outlives the pod; anything else is gone with it.
        var persistent: Bool { claimName != nil }
    }

    var json: JSON {
        var j: JSON = ["path": .string(path), "source": .string(source)]
        if let step { j["step"] = .int(step) }
        if let epoch { j["epoch"] = .int(epoch) }
        if let storage {
            var s: JSON = ["volume": .string(storage.volume), "mount_path": .string(storage.mountPath),
                           "kind": .string(storage.kind), "persistent": .bool(storage.persistent)]
            if let claim = storage.claimName { s["claim_name"] = .string(claim) }
            j["storage"] = s
        } else {
            j["storage"] = ["persistent": false, "kind": "container filesystem"]
        }
        return j
    }

    // MARK: finding them

    static let metricNames = ["checkpoint", "checkpoint_path", "last_checkpoint", "latest_checkpoint"]

    static func fromTrainerStatus(_ status: JSON?) -> [Checkpoint] {
        (status?["metrics"]?.array ?? []).compactMap { m in
            guard let name = m["name"]?.string, metricNames.contains(name),
                  let value = m["value"]?.string, isPath(value) else { return nil }
            return Checkpoint(path: value, step: number(after: "checkpoint-", in: value),
                              epoch: number(after: "epoch_", in: value), source: "trainerStatus")
        }
    }

    /// Lines that say a checkpoint was saved, with the path they name.
    static func fromLogs(_ lines: [String]) -> [Checkpoint] {
        var found: [Checkpoint] = []
        for line in lines {
            let lower = line.lowercased()
            guard lower.contains("checkpoint") || lower.contains("saved to") || lower.contains("saving model") else { continue }
            guard lower.contains("sav") || lower.contains("wrote") || lower.contains("writ") else { continue }
            for word in line.split(whereSeparator: { $0 == " " || $0 == "\"" || $0 == "'" || $0 == "," }) {
                var path = String(word)
                while let last = path.last, ".:;)".contains(last) { path.removeLast() }
                guard isPath(path) else { continue }
                found.append(Checkpoint(path: path, step: number(after: "checkpoint-", in: path),
                                        epoch: number(after: "epoch_", in: path), source: "logs"))
            }
        }
        return found
    }

    /// Absolute, no `..`, printable: a path a trainer would write.
    static func isPath(_ s: String) -> Bool {
        s.hasPrefix("/") && s.count > 1 && s.count <= 4096 && !s.split(separator: "/").contains("..")
            && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/._-+=@".contains($0)) }
    }

    private static func number(after marker: String, in text: String) -> Int? {
        // The last match left to right is the last occurrence: neither marker overlaps itself.
        guard let r = text.ranges(of: marker).last else { return nil }
        return Int(text[r.upperBound...].prefix { $0.isNumber })
    }

    /// The volume mounted at the longest prefix of `path` in the node container.
    static func storage(of path: String, podSpec: JSON?) -> Storage? {
        guard let podSpec else { return nil }
        let container = podSpec["containers"]?.array?.first { $0["name"]?.string == "node" }
            ?? podSpec["containers"]?.array?.first
        let mounts = container?["volumeMounts"]?.array ?? []
        let volumes = podSpec["volumes"]?.array ?? []
        var best: Storage?
        for mount in mounts {
            guard let name = mount["name"]?.string, let at = mount["mountPath"]?.string else { continue }
            let prefix = at.hasSuffix("/") ? at : at + "/"
            guard path == at || path.hasPrefix(prefix), at.count > (best?.mountPath.count ?? -1) else { continue }
            let volume = volumes.first { $0["name"]?.string == name }
            let kind = volume?.object?.keys.first { $0 != "name" } ?? "unknown"
            best = Storage(volume: name, mountPath: at, claimName: volume?["persistentVolumeClaim"]?["claimName"]?.string,
                           kind: kind)
        }
        return best
    }

    /// The pod spec the job's node pods get from its runtime patches (our own
    /// or the SDK's), for when no node pod exists any more.
    static func patchedPodSpec(_ trainJob: JSON) -> JSON? {
        var volumes: [JSON] = []
        var mounts: [JSON] = []
        for patch in trainJob["spec"]?["runtimePatches"]?.array ?? [] {
            for job in patch["trainingRuntimeSpec"]?["template"]?["spec"]?["replicatedJobs"]?.array ?? []
            where job["name"]?.string == PodOptions.nodeJob {
                let pod = job["template"]?["spec"]?["template"]?["spec"]
                volumes += pod?["volumes"]?.array ?? []
                for c in pod?["containers"]?.array ?? [] where c["name"]?.string == PodOptions.nodeJob {
                    mounts += c["volumeMounts"]?.array ?? []
                }
            }
        }
        guard !mounts.isEmpty else { return nil }
        return ["volumes": .array(volumes), "containers": [["name": .string(PodOptions.nodeJob), "volumeMounts": .array(mounts)]]]
    }
}
