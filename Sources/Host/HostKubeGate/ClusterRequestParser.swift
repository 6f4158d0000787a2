import HostBase
import KFJSON

/// Why a plugin's request was refused before anything was sent: the request
/// field at fault and a sentence naming it.
public struct RequestRefusal: Error, Sendable {
    public var field: String
    public var message: String
}

/// Turns a plugin's `request_json` into a `ClusterRequest`: the structured
/// ABI 1.1 form, or the 1.0 "path" form when it parses canonically into the
/// same structure. Every name is checked here (KubeNames).
package enum ClusterRequestParser {
    package static func parse(_ json: JSON) -> Result<ClusterRequest, RequestRefusal> {
        guard json.object != nil else { return refuse("request", "the request must be a JSON object") }
        let query: [(String, String)]
        switch parseQuery(json["query"]) {
        case .success(let q): query = q
        case .failure(let refusal): return .failure(refusal)
        }
        let parsed: Result<ClusterRequest, RequestRefusal>
        if json["verb"] != nil || json["resource"] != nil {
            if json["path"] != nil || json["method"] != nil {
                return refuse("path", "give either \"verb\"/\"resource\"/... or \"method\"/\"path\", not both")
            }
            parsed = structured(json, query: query)
        } else if let method = json["method"]?.string {
            guard let path = json["path"]?.string else { return refuse("path", "the request has \"method\" but no \"path\"") }
            parsed = parse(method: method, path: path, query: query)
        } else {
            return refuse("verb", "the request needs \"verb\" and \"resource\" (or, ABI 1.0, \"method\" and \"path\")")
        }
        guard case .success(var request) = parsed else { return parsed }
        if let bad = ["content_type", "accept"].first(where: { json[$0] != nil && json[$0]?.string == nil }) {
            return refuse(bad, "\"\(bad)\" must be a string")
        }
        // A closed set, compared whole: a value is a header line on the wire, so
        // anything else (a CR/LF and a second request or Impersonate-* header) never gets there.
        if let type = json["content_type"]?.string, !MediaTypes.bodies.contains(type) {
            return refuse("content_type", "\"content_type\" must be one of \(MediaTypes.bodies.sorted().joined(separator: ", "))")
        }
        if let accept = json["accept"]?.string, !MediaTypes.answers.contains(accept) {
            return refuse("accept", "\"accept\" must be one of \(MediaTypes.answers.sorted().joined(separator: ", "))")
        }
        if let t = json["timeout_ms"], t.int == nil { return refuse("timeout_ms", "\"timeout_ms\" must be an integer") }
        request.body = json["body"]
        request.contentType = json["content_type"]?.string
        request.accept = json["accept"]?.string
        request.timeoutMs = json["timeout_ms"]?.int
        return .success(request)
    }

    // MARK: Structured (ABI 1.1)

    private static func structured(_ json: JSON, query: [(String, String)]) -> Result<ClusterRequest, RequestRefusal> {
        for key in ["verb", "group", "version", "resource", "namespace", "name", "subresource", "proxy_path"] {
            if let v = json[key], v.string == nil { return refuse(key, "\"\(key)\" must be a string") }
        }
        guard let verb = json["verb"]?.string, ClusterRequest.verbs.contains(verb) else {
            return refuse("verb", "\"verb\" must be one of get, list, watch, create, update, patch, delete")
        }
        guard let resource = json["resource"]?.string else { return refuse("resource", "the request needs \"resource\"") }
        let ref = ResourceRef(group: json["group"]?.string ?? "", version: json["version"]?.string ?? "",
                              resource: resource, namespace: json["namespace"]?.string, name: json["name"]?.string,
                              subresource: json["subresource"]?.string)
        if let proxyPath = json["proxy_path"]?.string { return serviceProxy(verb: verb, ref, proxyPath, query: query) }
        return check(verb: verb, ref, query: query)
    }

    /// `services/{name}[:{port}]/proxy/{proxy_path}`: a request the API server
    /// relays to a Service (RBAC on services/proxy governs it). The name and
    /// port are checked as names; the path behind the proxy segment by segment,
    /// so nothing in it can climb out ("..", "%2e", "//") or cut it ("?", "#").
    static func serviceProxy(verb: String, _ r: ResourceRef, _ proxyPath: String,
                             query: [(String, String)]) -> Result<ClusterRequest, RequestRefusal> {
        guard r.group.isEmpty, r.resource == "services", r.subresource == "proxy" else {
            return refuse("proxy_path", "\"proxy_path\" goes only with resource \"services\" and subresource \"proxy\"")
        }
        guard verb != "list", verb != "watch" else {
            return refuse("verb", "a service proxy request is get, create, update, patch or delete")
        }
        guard let name = r.name, let ns = r.namespace else {
            return refuse("name", "a service proxy request needs the Service's \"name\" and \"namespace\"")
        }
        if let p = KubeNames.labelProblem(ns) { return refuse("namespace", "namespace '\(ns)' \(p)") }
        let service = name.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard service.count <= 2, KubeNames.labelProblem(service[0]) == nil,
              service.count == 1 || KubeNames.labelProblem(service[1], max: 15) == nil else {
            return refuse("name", "name '\(name)' must be a Service name (a DNS-1123 label), optionally followed by ':' and a port number or name")
        }
        let segments = proxyPath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard proxyPath.utf8.count <= 1024, !segments.isEmpty else {
            return refuse("proxy_path", "\"proxy_path\" must be 1 to 1024 characters")
        }
        for segment in segments {
            let ok = !segment.isEmpty && segment != "." && segment != ".." && segment.utf8.allSatisfy { b in
                (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x2E || b == 0x5F
            }
            guard ok else {
                return refuse("proxy_path", "\"proxy_path\" segment '\(segment)' must be letters, digits, '-', '.' and '_' (no '.' or '..' segment, no empty segment, no '%', '?' or '#'); put parameters in \"query\"")
            }
        }
        if let w = query.first(where: { $0.0 == "watch" }), w.1 != "false" && w.1 != "0" {
            return refuse("query.watch", "a service proxy request does not watch")
        }
        var request = ClusterRequest(verb: verb, resource: r, query: query)
        request.proxyPath = segments
        return .success(request)
    }

    /// The rules every request meets, whichever form it came in.
    static func check(verb: String, _ r: ResourceRef, query: [(String, String)]) -> Result<ClusterRequest, RequestRefusal> {
        if !r.group.isEmpty, let p = KubeNames.subdomainProblem(r.group) { return refuse("group", "group '\(r.group)' \(p)") }
        if let p = KubeNames.versionProblem(r.version) { return refuse("version", "version '\(r.version)' \(p)") }
        if let p = KubeNames.identifierProblem(r.resource) { return refuse("resource", "resource '\(r.resource)' \(p)") }
        if let ns = r.namespace, let p = KubeNames.labelProblem(ns) {
            return refuse("namespace", "namespace '\(ns)' \(p); omit \"namespace\" for cluster-scoped resources")
        }
        let needsName = ["get", "update", "patch", "delete"].contains(verb)
        if needsName && r.name == nil {
            let hint = verb == "delete" ? " (deleting a whole collection is not offered)" : (verb == "get" ? "; use verb list for a collection" : "")
            return refuse("name", "\(verb) needs the object's \"name\"\(hint)")
        }
        if !needsName, r.name != nil {
            return refuse("name", "\(verb) acts on a collection: leave \"name\" out (create takes the name from the body)")
        }
        if let name = r.name, let p = KubeNames.nameProblem(name, groupResource: r.groupResource) {
            return refuse("name", "name '\(name)' \(p) as \(r.resource) names must be")
        }
        if let sub = r.subresource {
            if r.name == nil { return refuse("subresource", "a subresource needs \"name\"") }
            if let p = KubeNames.identifierProblem(sub) { return refuse("subresource", "subresource '\(sub)' \(p)") }
        }
        if verb != "watch", let w = query.first(where: { $0.0 == "watch" }), w.1 != "false" && w.1 != "0" {
            return refuse("query.watch", "use verb \"watch\" to watch, not the watch query parameter")
        }
        return .success(ClusterRequest(verb: verb, resource: r, query: query))
    }

    private static func parseQuery(_ json: JSON?) -> Result<[(String, String)], RequestRefusal> {
        guard let json, json != .null else { return .success([]) }
        guard let object = json.object else { return refuse("query", "\"query\" must be an object of strings") }
        var query: [(String, String)] = []
        for (key, value) in object.sorted(by: { $0.key < $1.key }) {
            guard !key.isEmpty, key.utf8.allSatisfy({ b in (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) }) else {
                return refuse("query", "query parameter name '\(key)' must be letters and digits")
            }
            // The host alone decides a dry run (a preview): a plugin's own would sit beside it.
            if key.lowercased() == "dryrun" {
                return refuse("query.\(key)", "query parameter '\(key)' is the host's: previews run against the API server's dry run by themselves; leave it out")
            }
            switch value {
            case .string(let s): query.append((key, s))
            case .int, .double, .bool: query.append((key, value.serialized()))
            default: return refuse("query.\(key)", "query parameter '\(key)' must be a string, number or boolean")
            }
        }
        return .success(query)
    }

    // MARK: The ABI 1.0 path form

    static let nonResourcePaths: Set<String> = ["/version", "/api", "/apis", "/healthz", "/readyz", "/livez"]

    /// The path as RequestInfo would read it, if it is canonical: nothing a
    /// client library or server would normalize, decode or cut.
    static func parse(method: String, path: String, query: [(String, String)]) -> Result<ClusterRequest, RequestRefusal> {
        let method = method.uppercased()
        guard ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(method) else {
            return refuse("method", "\"method\" must be GET, POST, PUT, PATCH or DELETE")
        }
        guard path.hasPrefix("/") else { return refuse("path", "\"path\" must start with /") }
        // /api/v1/namespaces/{ns}/services/{name}[:{port}]/proxy/{rest}: the name may hold one ':',
        // and {rest} is checked as "proxy_path" is, segment by segment.
        let proxied = path.dropFirst().split(separator: "/", maxSplits: 7, omittingEmptySubsequences: false).map(String.init)
        if proxied.count == 8, proxied[0] == "api", proxied[1] == "v1", proxied[2] == "namespaces", proxied[4] == "services",
           proxied[6] == "proxy" {
            let verbs = ["GET": "get", "POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"]
            let ref = ResourceRef(group: "", version: "v1", resource: "services", namespace: proxied[3], name: proxied[5],
                                  subresource: "proxy")
            return serviceProxy(verb: verbs[method] ?? "get", ref, proxied[7], query: query).mapError { refusal in
                RequestRefusal(field: refusal.field.hasPrefix("query") ? refusal.field : "path", message: refusal.message)
            }
        }
        let allowed = path.utf8.allSatisfy { b in
            (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39)
                || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x2F
        }
        guard allowed else {
            return refuse("path", "\"path\" may hold only letters, digits, '-', '.', '_' and '/' (no '%', '?', '#', ';', spaces); put parameters in \"query\"")
        }
        let segments = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if path != "/" && segments.contains(where: \.isEmpty) {
            return refuse("path", "\"path\" has an empty segment (a doubled or trailing '/')")
        }
        if segments.contains(where: { $0 == "." || $0 == ".." }) {
            return refuse("path", "\"path\" has a '.' or '..' segment")
        }
        let nonResource = nonResourcePaths.contains(path)
            || (segments.count == 2 && segments[0] == "api")
            || ((2...3).contains(segments.count) && segments[0] == "apis")
        if nonResource {
            guard method == "GET" else { return refuse("method", "\(path) can only be read (GET)") }
            if segments.count >= 2, let p = segments[0] == "api" ? KubeNames.versionProblem(segments[1]) : KubeNames.subdomainProblem(segments[1]) {
                return refuse("path", "'\(segments[1])' in \"path\" \(p)")
            }
            if segments.count == 3, let p = KubeNames.versionProblem(segments[2]) {
                return refuse("path", "'\(segments[2])' in \"path\" \(p)")
            }
            return .success(ClusterRequest(verb: "get", resource: nil, nonResourcePath: path, query: query))
        }
        // /api/{v}/rest or /apis/{g}/{v}/rest
        let group: String, version: String, rest: ArraySlice<String>
        if segments.first == "api", segments.count >= 3 {
            (group, version, rest) = ("", segments[1], segments[2...])
        } else if segments.first == "apis", segments.count >= 4 {
            (group, version, rest) = (segments[1], segments[2], segments[3...])
        } else {
            return refuse("path", "\"path\" is not a Kubernetes API path (/api/v1/... or /apis/{group}/{version}/...)")
        }
        var parts = Array(rest)
        var namespace: String?
        // namespaces/{ns}/{resource}... is namespaced; namespaces[/{ns}] is the namespaces resource.
        if parts.count >= 3 && parts[0] == "namespaces" {
            namespace = parts[1]
            parts.removeFirst(2)
        }
        guard (1...3).contains(parts.count) else { return refuse("path", "\"path\" has too many segments") }
        let ref = ResourceRef(group: group, version: version, resource: parts[0], namespace: namespace,
                              name: parts.count > 1 ? parts[1] : nil, subresource: parts.count > 2 ? parts[2] : nil)
        let watching = query.contains { $0.0 == "watch" && ($0.1 == "true" || $0.1 == "1") }
        let verb: String
        switch method {
        case "GET": verb = ref.name != nil ? "get" : (watching ? "watch" : "list")
        case "POST": verb = "create"
        case "PUT": verb = "update"
        case "PATCH": verb = "patch"
        default: verb = "delete"
        }
        // A watch keeps its query parameter as the client sent it.
        let kept = verb == "watch" ? query.filter { $0.0 != "watch" } : query
        return check(verb: verb, ref, query: kept).mapError { refusal in
            // In the path form every field lives in "path".
            RequestRefusal(field: refusal.field.hasPrefix("query") || refusal.field == "method" ? refusal.field : "path",
                           message: refusal.message)
        }
    }

    private static func refuse<T>(_ field: String, _ message: String) -> Result<T, RequestRefusal> {
        .failure(RequestRefusal(field: field, message: message))
    }
}

/// The media types a plugin may name for a request's body and answer. The
/// body is always JSON the host serializes (a JSON text is YAML too, hence
/// server-side apply's type); answers are JSON, YAML, a Table or text (logs).
package enum MediaTypes {
    package static let bodies: Set<String> = [
        "application/json", "application/merge-patch+json", "application/strategic-merge-patch+json",
        "application/json-patch+json", "application/apply-patch+yaml",
    ]
    package static let answers: Set<String> = [
        "application/json", "application/yaml", "text/plain", "*/*",
        "application/json;as=Table;v=v1;g=meta.k8s.io", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
    ]
}
