import PluginKit

/// The Model Registry REST API v1alpha3, spoken through the host's Kubernetes
/// request service: the API server's proxy to the registry's Service. Ids in
/// paths come from the registry's own answers and are checked as ids; names
/// travel only as query values (the host encodes them).
struct RegistryClient {
    let call: ToolCall
    let target: Target
    /// In a confirmation preview's dry run. The registry has no dry run: the
    /// host records a write for the preview and sends nothing; it answers with
    /// what was asked, a create with a placeholder id (`kfmcp-created-N`) that
    /// the confirmed run's real id takes the place of.
    let isDryRun: Bool

    init(call: ToolCall) throws {
        self.call = call
        target = try Target(config: call.host.config())
        isDryRun = call.context()["dry_run"]?.bool == true
    }

    /// Which registry: a Service reached through the API server's proxy. By
    /// default where Kubeflow's manifests install it; plugins.d `config:` may
    /// name another (namespace, service "name:port", api_version). v1alpha3 by
    /// default: every registry release serves it (newer ones also v1, its successor).
    struct Target {
        var namespace = "kubeflow", service = "model-registry-service:8080", apiVersion = "v1alpha3"
        static let apiVersions = ["v1alpha3", "v1"]

        init(config: JSON) throws {
            if let ns = config["namespace"]?.string { namespace = ns }
            if let s = config["service"]?.string { service = s }
            if let v = config["api_version"]?.string { apiVersion = v }
            let parts = service.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard K8sNameRule.label.accepts(namespace), (1...2).contains(parts.count), parts.allSatisfy(K8sNameRule.label.accepts),
                  Self.apiVersions.contains(apiVersion) else {
                throw ToolError("The registry plugin's config is invalid: namespace must be a namespace name, service a Service name with an optional :port, api_version one of \(Self.apiVersions.joined(separator: ", ")) (got namespace \(namespace), service \(service), api_version \(apiVersion)).")
            }
        }

        var apiPath: String { "api/model_registry/\(apiVersion)" }
        /// For doctor and messages.
        var endpoint: String { "\(namespace)/\(service) (\(apiPath)) through the API server's service proxy" }
    }

    var endpoint: String { target.endpoint }

    func get(_ path: String, query: [String: String] = [:]) throws -> JSON {
        try send("get", path, query: query)
    }

    /// The record, or nil when the registry itself answers 404 (a 404 from the
    /// API server — no such Service — is an error, not "no such record").
    func find(_ finder: String, query: [String: String]) throws -> JSON? {
        let response = call.k8s(request("get", finder, query: query))
        if response.status == 404 && Self.isRegistryError(response.body) { return nil }
        return try answer(response, "GET \(finder)")
    }

    /// The host's placeholder for a record a preview did not create.
    static func isPlaceholder(_ id: String) -> Bool { id.hasPrefix("kfmcp-created-") }

    func create(_ path: String, _ body: JSON) throws -> JSON { try write("create", path, body) }

    func patch(_ path: String, _ body: JSON) throws -> JSON { try write("patch", path, body, contentType: "application/json") }

    /// `path(collection, id, rest)`, also for the placeholder id of a record a dry run did not create.
    func at(_ collection: String, _ id: JSON?, _ rest: String? = nil) throws -> String {
        if isDryRun, let id = id?.string, Self.isPlaceholder(id) { return "\(collection)/\(id)" + (rest.map { "/" + $0 } ?? "") }
        return try Self.path(collection, id, rest)
    }

    private func write(_ verb: String, _ path: String, _ body: JSON, contentType: String? = nil) throws -> JSON {
        try send(verb, path, body: body, contentType: contentType)
    }

    /// Every item of a list, page after page (the registry's nextPageToken).
    func list(_ path: String) throws -> [JSON] {
        var items: [JSON] = [], token = "", seen: Set<String> = []
        repeat {
            var query = ["pageSize": "100", "orderBy": "ID", "sortOrder": "ASC"]
            if !token.isEmpty { query["nextPageToken"] = token }
            let page = try get(path, query: query)
            let pageItems = page["items"]?.array ?? []
            items += pageItems
            token = page["nextPageToken"]?.string ?? ""
            // A token seen before, or an empty page, ends it: a registry that loops cannot hold the call.
            if pageItems.isEmpty || !seen.insert(token).inserted { break }
        } while !token.isEmpty && items.count < 10_000
        return items
    }

    /// `registered_models/{id}`: an id the registry gave, checked before it goes in a path.
    static func path(_ collection: String, _ id: JSON?, _ rest: String? = nil) throws -> String {
        guard let id = id?.string, isID(id) else {
            throw ToolError("The registry answered without a valid id for \(collection) (\(id?.serialized() ?? "none")).")
        }
        return "\(collection)/\(id)" + (rest.map { "/" + $0 } ?? "")
    }

    static func isID(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 19 && s.first != "0" && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    private func request(_ verb: String, _ path: String, query: [String: String] = [:], body: JSON? = nil,
                         contentType: String? = nil) -> K8sRequest {
        .serviceProxy(verb, service: target.service, namespace: target.namespace, path: target.apiPath + "/" + path,
                      query: query, body: body, contentType: contentType)
    }

    private func send(_ verb: String, _ path: String, query: [String: String] = [:], body: JSON? = nil,
                      contentType: String? = nil) throws -> JSON {
        let r = request(verb, path, query: query, body: body, contentType: contentType)
        return try answer(call.k8s(r), "\(r.method) \(path)")
    }

    /// The answer's JSON; a failure becomes a sentence: the registry's own
    /// message ({"code","message"}), or the API server's (403 RBAC, 503 no registry).
    func answer(_ response: K8sResponse, _ what: String) throws -> JSON {
        if response.ok { return response.body }
        let message: String
        if Self.isRegistryError(response.body) {
            message = "The Model Registry refused \(what) (HTTP \(response.status)): \(response.body["message"]?.string ?? "")"
        } else if response.status == 0 {
            message = response.errorMessage ?? "The host did not send the request."
        } else if response.status == 403 {
            message = "\(response.errorMessage ?? "Forbidden") (the Model Registry is reached through \(endpoint); RBAC on services/proxy in \(target.namespace) decides)"
        } else {
            let why = (response.errorMessage ?? "HTTP \(response.status)").trimmingScalars { $0 == "." || $0 == " " }
            message = "The Model Registry does not answer at \(endpoint): \(why). Is it installed there? (plugins.d config: namespace, service, api_version name another.)"
        }
        throw ToolError(message, details: ["status": .int(response.status)])
    }

    /// The registry's own error body ({"code": "Not Found", "message": ...}), not the API server's Status.
    static func isRegistryError(_ body: JSON) -> Bool {
        body["code"]?.string != nil && body["message"]?.string != nil && body["kind"] == nil
    }
}
