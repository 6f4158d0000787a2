import FlyingFox
import Foundation
import KFJSON

/// The Model Registry REST API v1alpha3 (registered models, model versions,
/// model artifacts), served at `/api/model_registry/v1alpha3` on the
/// simulator's port and behind the service proxy of `model-registry-service`
/// in `kubeflow` (`ModelRegistryAPI.service`).
struct ModelRegistryAPI: Sendable {
    /// v1alpha3 is the OpenAPI document's prefix; the model-registry client the
    /// SDK 0.5.0 brings (0.3.x) calls the same API at v1. Both are served.
    static let basePaths = [["api", "model_registry", "v1alpha3"], ["api", "model_registry", "v1"]]

    /// The path after a base path, if it starts with one.
    static func route(_ segments: [String]) -> [String]? {
        basePaths.first { segments.starts(with: $0) }.map { Array(segments.dropFirst($0.count)) }
    }
    /// The Service the registry is reached through, as Kubeflow's manifests name it.
    static let namespace = "kubeflow", serviceName = "model-registry-service", httpPort = 8080

    let store: ModelRegistryStore

    /// `segments`: the path after the base path.
    func respond(method: String, segments: [String], query: QueryParameters, body: Data) -> HTTPResponse {
        do {
            let (status, answer) = try route(method, segments, query, body)
            return Responses.json(answer, status: status)
        } catch {
            return Responses.json(error.body, status: error.status)
        }
    }

    private func route(_ method: String, _ s: [String], _ q: QueryParameters, _ body: Data) throws(RegistryError) -> (Int, JSON) {
        let kinds: [RegistryKind] = [.registeredModel, .modelVersion, .modelArtifact]
        guard let first = s.first else { throw .notFound("404 page not found") }
        if s.count == 1, let kind = kinds.first(where: { $0.finder == first }) {
            try allow(method, ["GET"])
            return (200, try store.find(kind, name: q["name"], externalId: q["externalId"], parent: q["parentResourceId"]))
        }
        guard let kind = kinds.first(where: { $0.collection == first }) else { throw .notFound("404 page not found") }
        switch s.count {
        case 1:
            try allow(method, ["GET", "POST"])
            if method == "POST" { return (201, try store.create(kind, try parse(body))) }
            return (200, try page(store.all(kind), q))
        case 2:
            try allow(method, ["GET", "PATCH"])
            if method == "PATCH" { return (200, try store.update(kind, id: s[1], try parse(body))) }
            return (200, try store.get(kind, id: s[1]))
        case 3 where kind == .registeredModel && s[2] == "versions":
            _ = try store.get(.registeredModel, id: s[1])
            try allow(method, ["GET", "POST"])
            if method == "GET" { return (200, try page(store.all(.modelVersion, parent: s[1]), q)) }
            var version = try parse(body)
            if version.object != nil { version["registeredModelId"] = .string(s[1]) }
            return (201, try store.create(.modelVersion, version))
        case 3 where kind == .modelVersion && s[2] == "artifacts":
            _ = try store.get(.modelVersion, id: s[1])
            try allow(method, ["GET", "POST"])
            if method == "GET" { return (200, try page(store.all(.modelArtifact, parent: s[1]), q)) }
            return try upsertArtifact(version: s[1], try parse(body))
        default:
            throw .notFound("404 page not found")
        }
    }

    /// POST /model_versions/{id}/artifacts: an artifact with an id is updated,
    /// one without is created under the version. Only model artifacts live here.
    private func upsertArtifact(version: String, _ body: JSON) throws(RegistryError) -> (Int, JSON) {
        guard var fields = body.object else { return (201, try store.create(.modelArtifact, body, parent: version)) }
        guard fields["artifactType"]?.string != nil else {
            throw .badRequest("unsupported artifactType: the body needs artifactType (model-artifact)")
        }
        if let id = fields.removeValue(forKey: "id")?.string {
            ["name", "createTimeSinceEpoch", "lastUpdateTimeSinceEpoch"].forEach { fields.removeValue(forKey: $0) }
            return (200, try store.update(.modelArtifact, id: id, .object(fields)))
        }
        return (201, try store.create(.modelArtifact, .object(fields), parent: version))
    }

    private func allow(_ method: String, _ methods: [String]) throws(RegistryError) {
        guard methods.contains(method) else { throw RegistryError(status: 405, message: "method \(method) is not allowed here") }
    }

    private func parse(_ body: Data) throws(RegistryError) -> JSON {
        do { return try JSON.parse(utf8: body) } catch { throw .badRequest("invalid JSON body: \(error)") }
    }

    /// A list page: orderBy (ID, NAME, CREATE_TIME, LAST_UPDATE_TIME), sortOrder
    /// (ASC, DESC), pageSize and nextPageToken; an empty token means the start.
    private func page(_ records: [JSON], _ q: QueryParameters) throws(RegistryError) -> JSON {
        let orderBy = q["orderBy"] ?? "ID", sortOrder = q["sortOrder"] ?? "ASC"
        guard ["ID", "NAME", "CREATE_TIME", "LAST_UPDATE_TIME"].contains(orderBy) else {
            throw .badRequest("invalid orderBy '\(orderBy)': one of ID, NAME, CREATE_TIME, LAST_UPDATE_TIME")
        }
        guard ["ASC", "DESC"].contains(sortOrder) else { throw .badRequest("invalid sortOrder '\(sortOrder)': ASC or DESC") }
        let pageSize = q["pageSize"].map { Int($0) ?? -1 } ?? 100
        guard pageSize > 0 else { throw .badRequest("invalid pageSize '\(q["pageSize"] ?? "")': a positive integer") }
        let start = q["nextPageToken"].flatMap { $0.isEmpty ? 0 : Int($0) } ?? 0
        func key(_ r: JSON) -> (Int64, String) {
            switch orderBy {
            case "NAME": return (0, r["name"]?.string ?? "")
            case "CREATE_TIME": return (Int64(r["createTimeSinceEpoch"]?.string ?? "") ?? 0, "")
            case "LAST_UPDATE_TIME": return (Int64(r["lastUpdateTimeSinceEpoch"]?.string ?? "") ?? 0, "")
            default: return (Int64(r["id"]?.string ?? "") ?? 0, "")
            }
        }
        var sorted = records.sorted { key($0) < key($1) }
        if sortOrder == "DESC" { sorted.reverse() }
        let items = Array(sorted.dropFirst(start).prefix(pageSize))
        let next = start + items.count < sorted.count ? String(start + items.count) : ""
        return ["items": .array(items), "nextPageToken": .string(next), "pageSize": .int(pageSize), "size": .int(items.count)]
    }
}
