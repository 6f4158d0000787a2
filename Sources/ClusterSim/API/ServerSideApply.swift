import KFJSON

/// Server-side apply (`PATCH` with `application/apply-patch+yaml`, `?fieldManager=&force=`): the
/// applied configuration is merged into the live object, `metadata.managedFields` records which
/// manager set which fields (an `Apply` entry per manager, `fieldsV1` as kube-apiserver writes it),
/// and setting a field another manager owns to a different value is a 409 conflict unless forced.
///
/// Narrower than structured-merge-diff: lists are owned whole (atomic, keyed lists included), and
/// only apply operations are recorded (a PUT or merge patch takes no ownership away).
enum ServerSideApply {
    /// Fields that are identity or server-owned, never part of an applied configuration's set.
    private static let unowned: Set<[String]> = [
        ["apiVersion"], ["kind"], ["metadata", "name"], ["metadata", "namespace"], ["metadata", "uid"],
        ["metadata", "resourceVersion"], ["metadata", "generation"], ["metadata", "creationTimestamp"],
        ["metadata", "managedFields"], ["metadata", "deletionTimestamp"], ["status"],
    ]

    /// The leaf paths a configuration sets: objects are walked; lists, scalars and `{}` are leaves.
    static func fieldSet(_ config: JSON, path: [String] = []) -> Set<[String]> {
        if unowned.contains(path) { return [] }
        guard case .object(let o) = config, !o.isEmpty else { return path.isEmpty ? [] : [path] }
        return o.reduce(into: Set<[String]>()) { $0.formUnion(fieldSet($1.value, path: path + [$1.key])) }
    }

    /// `{"f:spec":{"f:trainer":{"f:numNodes":{}}}}`.
    static func fieldsV1(_ paths: Set<[String]>) -> JSON {
        var tree: JSON = [:]
        for path in paths { tree.set([:], at: path.map { "f:" + $0 }) }
        return tree
    }

    static func paths(fromFieldsV1 tree: JSON?, prefix: [String] = []) -> Set<[String]> {
        guard case .object(let o)? = tree, !o.isEmpty else { return prefix.isEmpty ? [] : [prefix] }
        return o.reduce(into: Set<[String]>()) { out, entry in
            guard entry.key.hasPrefix("f:") else { return }
            out.formUnion(paths(fromFieldsV1: entry.value, prefix: prefix + [String(entry.key.dropFirst(2))]))
        }
    }

    /// The object after applying `config` as `manager` (managedFields updated), or a 409 naming
    /// each field another manager owns with a different value. `live` is nil when the apply creates.
    static func apply(_ config: JSON, to live: JSON?, manager: String, force: Bool, apiVersion: String,
                      now: String) throws(APIError) -> JSON {
        var entries = live?["metadata"]?["managedFields"]?.array ?? []
        let isMine = { (e: JSON) in e["manager"]?.string == manager && e["operation"]?.string == "Apply"
            && (e["subresource"]?.string ?? "").isEmpty }
        let previous = entries.first(where: isMine).map { paths(fromFieldsV1: $0["fieldsV1"]) } ?? []
        let applied = fieldSet(config)

        var conflicts: [(entry: Int, path: [String])] = []
        if let live {
            for (i, entry) in entries.enumerated() where !isMine(entry) {
                let owned = paths(fromFieldsV1: entry["fieldsV1"])
                for path in applied.sorted(by: { $0.lexicographicallyPrecedes($1) })
                where owned.contains(path) && live.value(at: path) != config.value(at: path) {
                    conflicts.append((i, path))
                }
            }
        }
        if !conflicts.isEmpty && !force { throw conflictError(conflicts.map { (entries[$0.entry], $0.path) }) }
        for (i, path) in conflicts {
            var owned = paths(fromFieldsV1: entries[i]["fieldsV1"])
            owned.remove(path)
            entries[i]["fieldsV1"] = fieldsV1(owned)
        }

        var result = live ?? config
        let ownedByOthers = entries.filter { !isMine($0) }.reduce(into: Set<[String]>()) {
            $0.formUnion(paths(fromFieldsV1: $1["fieldsV1"]))
        }
        for path in previous.subtracting(applied) where !ownedByOthers.contains(path) && result.value(at: path) != nil {
            result.set(nil, at: path)
        }
        for path in applied { result.set(config.value(at: path), at: path) }
        for field in ["labels", "annotations"] where result["metadata"]?[field]?.object?.isEmpty == true {
            result.set(nil, at: ["metadata", field])
        }

        let entry: JSON = ["manager": .string(manager), "operation": "Apply", "apiVersion": .string(apiVersion),
                           "time": .string(now), "fieldsType": "FieldsV1", "fieldsV1": fieldsV1(applied)]
        if let i = entries.firstIndex(where: isMine) {
            // The time moves only when the manager's set does (a repeated apply is a no-op).
            if previous != applied || entries[i]["apiVersion"]?.string != apiVersion { entries[i] = entry }
        } else {
            entries.append(entry)
        }
        entries.removeAll { paths(fromFieldsV1: $0["fieldsV1"]).isEmpty && !isMine($0) }
        result.set(.array(entries), at: ["metadata", "managedFields"])
        return result
    }

    /// apimachinery's wording: one conflict on one line; several grouped by manager.
    private static func conflictError(_ conflicts: [(entry: JSON, path: [String])]) -> APIError {
        let field = { (path: [String]) in "." + path.joined(separator: ".") }
        let causes: [JSON] = conflicts.map {
            ["reason": "FieldManagerConflict", "message": .string("conflict with \(describe($0.entry))"),
             "field": .string(field($0.path))]
        }
        let message: String
        if conflicts.count == 1 {
            message = "Apply failed with 1 conflict: conflict with \(describe(conflicts[0].entry)): \(field(conflicts[0].path))"
        } else {
            var lines: [String] = []
            let managers = Dictionary(grouping: conflicts, by: { describe($0.entry) })
            for manager in managers.keys.sorted() {
                lines.append("conflicts with \(manager):")
                lines += managers[manager]!.map { "- " + field($0.path) }
            }
            message = "Apply failed with \(conflicts.count) conflicts: " + lines.joined(separator: "\n")
        }
        return APIError(code: 409, reason: "Conflict", message: message, details: ["causes": .array(causes)])
    }

    /// `"kubectl"`, or `"kubectl-edit" using v1 at <time>` for an update.
    private static func describe(_ entry: JSON) -> String {
        var text = "\"\(entry["manager"]?.string ?? "")\""
        if let sub = entry["subresource"]?.string, !sub.isEmpty { text += " with subresource \"\(sub)\"" }
        if entry["operation"]?.string == "Update" {
            text += " using \(entry["apiVersion"]?.string ?? "")"
            if let time = entry["time"]?.string { text += " at \(time)" }
        }
        return text
    }
}
