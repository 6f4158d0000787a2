import PluginKit

/// The planner's pre-flight checks, run by every training tool before it
/// creates anything (KEP-936: "pre-flight checks validate all inputs before
/// execution"). They come from whichever plugin serves `validate_config` and
/// `check_prerequisites` (through the host); without one, the trainer's own
/// validation stands alone.
enum Preflight {
    /// Not fatal for creation: a job without free GPUs waits, Pending, until
    /// they are free (the scheduler's job, not ours to refuse).
    static let waitable: Set<String> = ["gpus", "gpus_in_use"]

    /// The check request: what the planner's tools take.
    static func request(trainerType: String, model: String?, dataset: String?, runtime: String?,
                        namespace: String, resources: JSON?, numNodes: Int?, method: String?,
                        backend: String?) -> JSON {
        var r: JSON = ["trainer_type": .string(trainerType), "namespace": .string(namespace)]
        if let model { r["model"] = .string(model) }
        if let dataset { r["dataset"] = .string(dataset) }
        if let runtime { r["runtime"] = .string(runtime) }
        if let resources { r["resources_per_node"] = resources }
        if let numNodes { r["num_nodes"] = .int(numNodes) }
        if let method { r["method"] = .string(method) }
        if let backend { r["backend"] = .string(backend) }
        return r
    }

    /// Throws with every blocking issue (and creates nothing); returns notes
    /// worth showing (e.g. the job will wait for GPUs). `skip` names checks the
    /// caller settles itself (e.g. hf_token when the token comes with the call).
    static func run(_ call: ToolCall, _ request: JSON, skip: Set<String> = []) throws -> [String] {
        if let report = try call.callTool("validate_config", request), report["valid"]?.bool == false {
            let errors = report["errors"]?.array ?? []
            throw ToolError("Pre-flight validation failed; nothing was created:\n"
                            + errors.map { "- \($0["field"]?.string ?? "?"): \($0["message"]?.string ?? "")" }.joined(separator: "\n"),
                            field: errors.first?["field"]?.string, details: report)
        }
        var prerequisites = request
        prerequisites["resources"] = prerequisites["resources_per_node"]
        prerequisites["resources_per_node"] = nil
        guard let report = try call.callTool("check_prerequisites", prerequisites) else { return [] }
        let issues = (report["issues"]?.array ?? []).filter { $0["severity"]?.string == "error" }
        let blocking = issues.filter { issue in
            let check = issue["check"]?.string ?? ""
            return !waitable.contains(check) && !skip.contains(check)
        }
        if !blocking.isEmpty {
            throw ToolError("Pre-flight checks failed; nothing was created:\n"
                            + blocking.map { "- \($0["message"]?.string ?? "") Fix: \($0["fix"]?.string ?? "")" }.joined(separator: "\n"),
                            details: report)
        }
        return issues.filter { waitable.contains($0["check"]?.string ?? "") }
            .map { ($0["message"]?.string ?? "") + " The job will wait (Pending) until they are free." }
    }
}
