import PluginKit

/// The SDK's get_job_events filter: events about the TrainJob, its JobSet,
/// its Jobs or its pods, oldest first.
enum JobEvents {
    static let kinds: Set<String> = ["TrainJob", "JobSet", "Job", "Pod"]

    static func filter(_ events: [JSON], job: String, podNames: Set<String>) -> [JSON] {
        events.compactMap { e -> (String, JSON)? in
            let kind = e["involvedObject"]?["kind"]?.string ?? ""
            let name = e["involvedObject"]?["name"]?.string ?? ""
            guard kinds.contains(kind) else { return nil }
            // JobSet names its Jobs <job>-<replicatedJob>-<index>.
            let related = name == job || podNames.contains(name) || (kind == "Job" && name.hasPrefix(job + "-"))
            guard related else { return nil }
            let time = e["eventTime"]?.string ?? e["lastTimestamp"]?.string ?? e["firstTimestamp"]?.string
                ?? e["metadata"]?["creationTimestamp"]?.string ?? ""
            let row: JSON = ["involved_object_kind": .string(kind), "involved_object_name": .string(name),
                             "message": e["message"] ?? "", "reason": e["reason"] ?? "", "type": e["type"] ?? .null,
                             "event_time": .string(time)]
            return (time, row)
        }.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
