import KFJSON

/// Trainer v2.3.0's mutating webhook for TrainJobs (`defaulter.trainjob.trainer.kubeflow.org`,
/// upstream `TrainJobDefaulter`): it stamps each runtime patch with the time its manager last
/// changed it. On create every patch without a time gets `now`; on update a patch whose manager
/// had one keeps the old time when nothing but the time differs, and gets `now` when it changed.
public enum TrainJobDefaulting {
    public static let webhookName = "defaulter.trainjob.trainer.kubeflow.org"

    /// `now` is an RFC 3339 time (`2026-01-02T03:04:05Z`).
    public static func apply(to trainJob: JSON, old: JSON?, now: String) -> JSON {
        guard let patches = trainJob["spec"]?["runtimePatches"]?.array, !patches.isEmpty else { return trainJob }
        var before: [String: JSON] = [:]
        for patch in old?["spec"]?["runtimePatches"]?.array ?? [] { before[patch["manager"]?.string ?? ""] = patch }
        let stamped = patches.map { patch -> JSON in
            var out = patch
            if let previous = before[patch["manager"]?.string ?? ""] {
                out["time"] = withoutTime(previous) == withoutTime(patch) ? previous["time"] : .string(now)
            } else if patch["time"] == nil || patch["time"] == .null {
                out["time"] = .string(now)
            }
            return out
        }
        var result = trainJob
        result["spec"]?["runtimePatches"] = .array(stamped)
        return result
    }

    private static func withoutTime(_ patch: JSON) -> JSON {
        var p = patch
        p["time"] = nil
        return p
    }
}
