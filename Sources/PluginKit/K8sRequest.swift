/// Kubernetes requests as structure (verb, resource, namespace, name), never as
/// a path a plugin glues together: the host builds and encodes the URL, checks
/// every name again and decides policy on these same fields (ABI 1.1).

/// How Kubernetes spells a kind's names (apimachinery's validation).
public enum K8sNameRule: Sendable {
    /// DNS-1123 label: lowercase letters, digits and '-', starting and ending
    /// alphanumeric, at most 63 characters (namespaces, TrainJobs).
    case label
    /// DNS-1123 subdomain: labels joined by '.', at most 253 characters (most kinds).
    case subdomain

    public var maxLength: Int { self == .label ? 63 : 253 }

    /// The JSON Schema `pattern` (anchored) for this rule.
    public var pattern: String {
        let label = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
        return self == .label ? "^\(label)$" : "^\(label)(\\.\(label))*$"
    }

    /// Whether `s` is such a name (what the host checks again on every request).
    public func accepts(_ s: String) -> Bool {
        let b = Array(s.utf8)
        func alnum(_ c: UInt8) -> Bool { (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) }
        func isLabel(_ l: ArraySlice<UInt8>) -> Bool {
            guard let first = l.first, let last = l.last, alnum(first), alnum(last) else { return false }
            return l.allSatisfy { alnum($0) || $0 == 0x2D }
        }
        guard !b.isEmpty, b.count <= maxLength else { return false }
        return self == .label ? isLabel(b[...]) : b.split(separator: 0x2E, omittingEmptySubsequences: false).allSatisfy(isLabel)
    }

    public var summary: String {
        self == .label
            ? "a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters"
            : "a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters"
    }
}

/// A kind of Kubernetes object: where it lives in the API and how it is named.
public struct K8sResource: Sendable, Equatable {
    /// API group; "" for the core group (/api/v1).
    public var group: String
    public var version: String
    /// Plural, lowercase: "trainjobs".
    public var resource: String
    /// For messages: "TrainJob".
    public var kind: String
    public var namespaced: Bool
    public var names: K8sNameRule

    public init(group: String, version: String, resource: String, kind: String, namespaced: Bool = true,
                names: K8sNameRule = .subdomain) {
        self.group = group
        self.version = version
        self.resource = resource
        self.kind = kind
        self.namespaced = namespaced
        self.names = names
    }

    static let trainer = "trainer.kubeflow.org"
    public static let trainJobs = K8sResource(group: trainer, version: "v1alpha1", resource: "trainjobs",
                                              kind: "TrainJob", names: .label)
    public static let trainingRuntimes = K8sResource(group: trainer, version: "v1alpha1", resource: "trainingruntimes",
                                                     kind: "TrainingRuntime")
    public static let clusterTrainingRuntimes = K8sResource(group: trainer, version: "v1alpha1",
                                                            resource: "clustertrainingruntimes",
                                                            kind: "ClusterTrainingRuntime", namespaced: false)
    public static let pods = K8sResource(group: "", version: "v1", resource: "pods", kind: "Pod")
    public static let events = K8sResource(group: "", version: "v1", resource: "events", kind: "Event")
    public static let secrets = K8sResource(group: "", version: "v1", resource: "secrets", kind: "Secret")
    public static let configMaps = K8sResource(group: "", version: "v1", resource: "configmaps", kind: "ConfigMap")
    public static let resourceQuotas = K8sResource(group: "", version: "v1", resource: "resourcequotas",
                                                   kind: "ResourceQuota")
    public static let nodes = K8sResource(group: "", version: "v1", resource: "nodes", kind: "Node", namespaced: false)
    /// Services: reached here only through their proxy (`K8sRequest.serviceProxy`).
    public static let services = K8sResource(group: "", version: "v1", resource: "services", kind: "Service", names: .label)
    public static let namespaces = K8sResource(group: "", version: "v1", resource: "namespaces", kind: "Namespace",
                                               namespaced: false, names: .label)
    public static let selfSubjectAccessReviews = K8sResource(group: "authorization.k8s.io", version: "v1",
                                                             resource: "selfsubjectaccessreviews",
                                                             kind: "SelfSubjectAccessReview", namespaced: false)

    /// /api/v1 or /apis/{group}/{version}.
    public var groupVersionPath: String { group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)" }
}

/// One Kubernetes request, as structure. Build it with the static functions:
///
///     call.k8s(.get(.trainJobs, name, namespace: ns))
///     call.k8s(.list(.pods, namespace: ns, query: ["labelSelector": selector]))
public struct K8sRequest: Sendable {
    /// get, list, watch, create, update, patch, delete (kube-apiserver's verbs).
    public var verb: String
    public var resource: K8sResource?
    public var namespace: String?
    public var name: String?
    public var subresource: String?
    /// A non-resource GET (/version, discovery); `resource` is nil then.
    public var nonResourcePath: String?
    /// The path behind a Service's proxy ("api/x/v1/items"); see `serviceProxy`.
    public var proxyPath: String?
    public var query: [String: String]
    public var body: JSON?
    public var contentType: String?
    public var timeoutMs: Int?

    public init(verb: String, resource: K8sResource?, namespace: String? = nil, name: String? = nil,
                subresource: String? = nil, nonResourcePath: String? = nil, query: [String: String] = [:],
                body: JSON? = nil, contentType: String? = nil, timeoutMs: Int? = nil) {
        self.verb = verb
        self.resource = resource
        self.namespace = namespace
        self.name = name
        self.subresource = subresource
        self.nonResourcePath = nonResourcePath
        self.query = query
        self.body = body
        self.contentType = contentType
        self.timeoutMs = timeoutMs
    }

    public static func get(_ r: K8sResource, _ name: String, namespace: String? = nil, subresource: String? = nil,
                           query: [String: String] = [:], timeoutMs: Int? = nil) -> K8sRequest {
        K8sRequest(verb: "get", resource: r, namespace: namespace, name: name, subresource: subresource, query: query,
                   timeoutMs: timeoutMs)
    }
    public static func list(_ r: K8sResource, namespace: String? = nil, query: [String: String] = [:]) -> K8sRequest {
        K8sRequest(verb: "list", resource: r, namespace: namespace, query: query)
    }
    /// A watch (stream it with `k8sStream`); the host adds watch=true.
    public static func watch(_ r: K8sResource, namespace: String? = nil, query: [String: String] = [:]) -> K8sRequest {
        K8sRequest(verb: "watch", resource: r, namespace: namespace, query: query)
    }
    public static func create(_ r: K8sResource, namespace: String? = nil, body: JSON) -> K8sRequest {
        K8sRequest(verb: "create", resource: r, namespace: namespace, body: body)
    }
    public static func update(_ r: K8sResource, _ name: String, namespace: String? = nil, body: JSON) -> K8sRequest {
        K8sRequest(verb: "update", resource: r, namespace: namespace, name: name, body: body)
    }
    /// Merge patch unless `contentType` says otherwise.
    public static func patch(_ r: K8sResource, _ name: String, namespace: String? = nil, body: JSON,
                             contentType: String? = nil) -> K8sRequest {
        K8sRequest(verb: "patch", resource: r, namespace: namespace, name: name, body: body, contentType: contentType)
    }
    public static func delete(_ r: K8sResource, _ name: String, namespace: String? = nil) -> K8sRequest {
        K8sRequest(verb: "delete", resource: r, namespace: namespace, name: name)
    }
    /// A request the API server relays to a Service (RBAC on `services/proxy`
    /// governs it): `service` is "name" or "name:port", `path` what follows
    /// `/proxy/`. The host checks every segment and never sends one in a dry run.
    public static func serviceProxy(_ verb: String, service: String, namespace: String, path: String,
                                    query: [String: String] = [:], body: JSON? = nil,
                                    contentType: String? = nil) -> K8sRequest {
        var request = K8sRequest(verb: verb, resource: .services, namespace: namespace, name: service,
                                 subresource: "proxy", query: query, body: body, contentType: contentType)
        request.proxyPath = path
        return request
    }
    /// GET of a path outside the resource tree: "/version", "/apis/{group}/{version}".
    public static func nonResource(_ path: String) -> K8sRequest {
        K8sRequest(verb: "get", resource: nil, nonResourcePath: path)
    }

    public var method: String {
        switch verb {
        case "create": return "POST"
        case "update": return "PUT"
        case "patch": return "PATCH"
        case "delete": return "DELETE"
        default: return "GET"
        }
    }

    /// The REST path (unencoded), for ABI 1.0 hosts and for messages.
    public var path: String {
        if let nonResourcePath { return nonResourcePath }
        guard let r = resource else { return "/" }
        var path = r.groupVersionPath
        if let namespace { path += "/namespaces/\(namespace)" }
        path += "/\(r.resource)"
        if let name { path += "/\(name)" }
        if let subresource { path += "/\(subresource)" }
        if let proxyPath { path += "/\(proxyPath)" }
        return path
    }

    /// What the request is about, for messages: "TrainJob my-job in team-a".
    public var subject: String {
        guard let r = resource else { return path }
        var text = name.map { "\(r.kind) \($0)" } ?? r.resource
        if let namespace { text += " in \(namespace)" }
        return text
    }

    /// The ABI 1.1 request JSON (structured), or the 1.0 form for an older host.
    func abiJSON(structured: Bool) -> JSON {
        var o: [String: JSON] = [:]
        if structured, let r = resource {
            o["verb"] = .string(verb)
            o["group"] = .string(r.group)
            o["version"] = .string(r.version)
            o["resource"] = .string(r.resource)
            if let namespace { o["namespace"] = .string(namespace) }
            if let name { o["name"] = .string(name) }
            if let subresource { o["subresource"] = .string(subresource) }
            if let proxyPath { o["proxy_path"] = .string(proxyPath) }
        } else {
            o["method"] = .string(method)
            o["path"] = .string(path)
        }
        var query = self.query
        if verb == "watch" && !(structured && resource != nil) { query["watch"] = "true" }
        if !query.isEmpty { o["query"] = .object(query.mapValues { .string($0) }) }
        if let body { o["body"] = body }
        if let contentType { o["content_type"] = .string(contentType) }
        if let timeoutMs { o["timeout_ms"] = .int(timeoutMs) }
        return .object(o)
    }
}

extension K8sRequest {
    /// A cluster-wide view of a namespaced resource that respects the host's
    /// namespace allowlist: one list across all namespaces when there is none
    /// (`allowedNamespaces` nil), else one list per allowed namespace (the host
    /// refuses an all-namespaces list under an allowlist).
    public static func listEverywhere(_ r: K8sResource, allowedNamespaces: [String]?,
                                      query: [String: String] = [:]) -> [K8sRequest] {
        guard let allowed = allowedNamespaces else { return [.list(r, query: query)] }
        return allowed.map { .list(r, namespace: $0, query: query) }
    }
}
