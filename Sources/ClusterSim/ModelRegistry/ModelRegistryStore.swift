import Foundation
import HTTPServing
import KFJSON

/// The registry's records: registered models, their versions, and the versions'
/// model artifacts, with server-made ids (int64 as strings, one sequence for
/// all) and millisecond timestamps, as the Model Registry server keeps them.
final class ModelRegistryStore: Sendable {
    private struct State {
        var nextID = 1
        var lastMillis: Int64 = 0
        var records: [RegistryKind: [String: JSON]] = [:]
        /// Artifact id → the model version it belongs to.
        var artifactParent: [String: String] = [:]
    }
    private let state = Locked(State())

    func get(_ kind: RegistryKind, id: String) throws(RegistryError) -> JSON {
        guard let record = state.withLock({ $0.records[kind]?[id] }) else {
            throw .notFound("no \(kind.noun) found for id \(id)")
        }
        return record
    }

    /// Every record of a kind, or those under a parent (a model's versions, a version's artifacts).
    func all(_ kind: RegistryKind, parent: String? = nil) -> [JSON] {
        state.withLock { s in
            let records = Array((s.records[kind] ?? [:]).values)
            guard let parent else { return records }
            switch kind {
            case .modelVersion: return records.filter { $0["registeredModelId"]?.string == parent }
            case .modelArtifact: return records.filter { s.artifactParent[$0["id"]?.string ?? ""] == parent }
            case .registeredModel: return records
            }
        }
    }

    /// The one record matching name (within its parent) or externalId.
    func find(_ kind: RegistryKind, name: String?, externalId: String?, parent: String?) throws(RegistryError) -> JSON {
        if name == nil && externalId == nil {
            throw .badRequest("invalid parameters used to retrieve \(kind.noun): specify either name or externalId")
        }
        if kind != .registeredModel && name != nil && externalId == nil && parent == nil {
            throw .badRequest("invalid parameters used to retrieve \(kind.noun): name needs parentResourceId")
        }
        let match = all(kind, parent: externalId == nil ? parent : nil).first { record in
            (name == nil || record["name"]?.string == name) && (externalId == nil || record["externalId"]?.string == externalId)
        }
        guard let match else {
            let by = externalId.map { "externalId \($0)" } ?? "name \(name ?? "")"
            throw .notFound("no \(kind.noun) found for \(by)" + (parent.map { " under parent \($0)" } ?? ""))
        }
        return match
    }

    /// A new record. `parent` is the model version an artifact is created under.
    func create(_ kind: RegistryKind, _ body: JSON, parent: String? = nil) throws(RegistryError) -> JSON {
        try RegistryValidation.check(body, kind: kind, creating: true)
        return try state.withLock { s throws(RegistryError) -> JSON in
            var record = body.object ?? [:]
            record = record.filter { $0.value != .null }
            if kind == .modelVersion {
                let modelID = record["registeredModelId"]?.string ?? ""
                guard s.records[.registeredModel]?[modelID] != nil else {
                    throw .notFound("no registered model found for id \(modelID)")
                }
            }
            if let parent, s.records[.modelVersion]?[parent] == nil {
                throw .notFound("no model version found for id \(parent)")
            }
            if let name = record["name"]?.string {
                let siblings = (s.records[kind] ?? [:]).values.filter { other in
                    switch kind {
                    case .registeredModel: return true
                    case .modelVersion: return other["registeredModelId"] == record["registeredModelId"]
                    case .modelArtifact: return parent != nil && s.artifactParent[other["id"]?.string ?? ""] == parent
                    }
                }
                if siblings.contains(where: { $0["name"]?.string == name }) {
                    let scope = kind == .registeredModel ? "" : " under the same parent"
                    throw .conflict("\(kind.noun) with name '\(name)' already exists\(scope)")
                }
            }
            if let external = record["externalId"]?.string,
               s.records.values.contains(where: { $0.values.contains { $0["externalId"]?.string == external } }) {
                throw .conflict("externalId '\(external)' is already used")
            }
            let id = String(s.nextID)
            s.nextID += 1
            let now = String(Self.tick(&s.lastMillis))
            record["id"] = .string(id)
            record["createTimeSinceEpoch"] = .string(now)
            record["lastUpdateTimeSinceEpoch"] = .string(now)
            if record["state"] == nil { record["state"] = .string(kind.defaultState) }
            if record["customProperties"] == nil { record["customProperties"] = [:] }
            if kind == .modelArtifact {
                record["artifactType"] = "model-artifact"
                if record["name"] == nil { record["name"] = .string(UUID().uuidString.lowercased()) }
                if let parent { s.artifactParent[id] = parent }
            }
            s.records[kind, default: [:]][id] = .object(record)
            return .object(record)
        }
    }

    /// PATCH: the given fields replace the stored ones (customProperties as a whole).
    func update(_ kind: RegistryKind, id: String, _ body: JSON) throws(RegistryError) -> JSON {
        try RegistryValidation.check(body, kind: kind, creating: false)
        return try state.withLock { s throws(RegistryError) -> JSON in
            guard var record = s.records[kind]?[id]?.object else { throw .notFound("no \(kind.noun) found for id \(id)") }
            for (key, value) in body.object ?? [:] where value != .null { record[key] = value }
            record["lastUpdateTimeSinceEpoch"] = .string(String(Self.tick(&s.lastMillis)))
            s.records[kind, default: [:]][id] = .object(record)
            return .object(record)
        }
    }

    /// Strictly increasing milliseconds, so ordering by time is ordering by write.
    private static func tick(_ last: inout Int64) -> Int64 {
        last = max(last + 1, Int64(Date().timeIntervalSince1970 * 1000))
        return last
    }
}
