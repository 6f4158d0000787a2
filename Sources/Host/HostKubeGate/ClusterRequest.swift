import Foundation
import HostBase
import KFJSON
import KubeClient

/// What a request acts on, as kube-apiserver's RequestInfo names it. Every
/// field has passed `KubeNames` before a value of this type exists.
public struct ResourceRef: Sendable, Equatable {
    /// "" for the core group.
    public var group: String
    public var version: String
    public var resource: String
    public var namespace: String?
    public var name: String?
    public var subresource: String?

    public init(group: String, version: String, resource: String, namespace: String? = nil, name: String? = nil,
                subresource: String? = nil) {
        self.group = group
        self.version = version
        self.resource = resource
        self.namespace = namespace
        self.name = name
        self.subresource = subresource
    }

    /// "group/resource" ("/pods" for core): how policy tables name a resource.
    package var groupResource: String { "\(group)/\(resource)" }

    /// The same object without a subresource (what ownership reads).
    package var object: ResourceRef {
        var copy = self
        copy.subresource = nil
        return copy
    }
}

/// One Kubernetes request, as structure: verb plus what it acts on. The host
/// builds the URL from it (percent-encoding every segment); policy reads the
/// fields, never a path. Made only by `ClusterRequestParser` or the host's own code.
public struct ClusterRequest: Sendable {
    public static let verbs: Set<String> = ["get", "list", "watch", "create", "update", "patch", "delete"]

    public var verb: String
    /// nil for a non-resource GET (/version, discovery).
    public var resource: ResourceRef?
    public var nonResourcePath: String?
    /// Segments of the path behind a `services/{name}/proxy` request (checked
    /// one by one by the parser); empty for every other request.
    public var proxyPath: [String] = []
    public var query: [(String, String)]
    public var body: JSON?
    public var contentType: String?
    public var accept: String?
    public var timeoutMs: Int?
    /// Set by the host only (never from a plugin's JSON): whom the request acts for.
    public var impersonate: Impersonation?

    public init(verb: String, resource: ResourceRef?, nonResourcePath: String? = nil, query: [(String, String)] = [],
                body: JSON? = nil, contentType: String? = nil, accept: String? = nil, timeoutMs: Int? = nil) {
        self.verb = verb
        self.resource = resource
        self.nonResourcePath = nonResourcePath
        self.query = query
        self.body = body
        self.contentType = contentType
        self.accept = accept
        self.timeoutMs = timeoutMs
    }

    /// For the host's own constant requests (doctor, identity). A path that
    /// does not parse is a programming error in the host, not input.
    public init(method: String, path: String, query: [(String, String)] = [], body: JSON? = nil,
                contentType: String? = nil, accept: String? = nil, timeoutMs: Int? = nil) {
        switch ClusterRequestParser.parse(method: method, path: path, query: query) {
        case .success(let parsed):
            self = parsed
            self.body = body
            self.contentType = contentType
            self.accept = accept
            self.timeoutMs = timeoutMs
        case .failure(let refusal):
            preconditionFailure("host request \(method) \(path): \(refusal.message)")
        }
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

    public var isRead: Bool { ["get", "list", "watch"].contains(verb) }

    /// A request relayed by the API server's service proxy to a Service: what
    /// it sends is the Service's business, so no dry run and no owner stamp apply.
    public var isServiceProxy: Bool { resource?.subresource == "proxy" && resource?.groupResource == "/services" }

    /// The URL path, each segment percent-encoded (names are already DNS-1123,
    /// so encoding changes nothing; it is the second wall, not the first).
    public var path: String {
        if let nonResourcePath { return nonResourcePath }
        guard let r = resource else { return "/" }
        var segments = r.group.isEmpty ? ["api", r.version] : ["apis", r.group, r.version]
        if let ns = r.namespace { segments += ["namespaces", ns] }
        segments.append(r.resource)
        if let name = r.name { segments.append(name) }
        if let sub = r.subresource { segments.append(sub) }
        segments += proxyPath
        return "/" + segments.map(RequestURL.encodeComponent).joined(separator: "/")
    }

    /// Query with the verb's own parameter (watch=true) added by the host.
    public var effectiveQuery: [(String, String)] {
        verb == "watch" && !query.contains(where: { $0.0 == "watch" }) ? query + [("watch", "true")] : query
    }

    /// For messages and logs: "delete widgets/x in team-a".
    public var summary: String {
        guard let r = resource else { return "GET \(path)" }
        var text = "\(verb) \(r.resource)" + (r.name.map { "/\($0)" } ?? "") + (r.subresource.map { "/\($0)" } ?? "")
            + (proxyPath.isEmpty ? "" : "/" + proxyPath.joined(separator: "/"))
        if let ns = r.namespace { text += " in namespace \(ns)" } else if r.name == nil { text += " in all namespaces" }
        return text
    }

}
