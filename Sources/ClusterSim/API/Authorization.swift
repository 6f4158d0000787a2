import Foundation
import HTTPServing
import KFJSON

/// What one request wants to do, in RBAC terms.
struct RequestAttributes: Sendable {
    let verb: String
    let type: ResourceType
    let subresource: String?
    /// nil for cluster-scoped resources and lists across all namespaces.
    let namespace: String?
    let name: String?
}

/// Bearer tokens to users, and RBAC-like rules to yes/no.
struct Authorizer: Sendable {
    let users: [SimUser]
    /// Who a request without credentials is (nil: nobody, 401).
    var anonymous: SimUser?

    func user(forAuthorizationHeader header: String?) -> SimUser? {
        guard let header, !header.isEmpty else { return anonymous }
        guard header.hasPrefix("Bearer ") else { return nil }
        let token = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        return users.first { $0.token == token }
    }

    /// A client certificate's user: the seed user named like its CN. Kubernetes
    /// authenticates any CN its CA signed; one the seed does not know has no rules (403).
    func user(forCertificate identity: CertificateIdentity) -> SimUser {
        users.first { $0.name == identity.user }
            ?? SimUser(name: identity.user, token: "", groups: identity.groups, rules: [])
    }

    func allows(_ user: SimUser, _ a: RequestAttributes) -> Bool {
        allows(user, verb: a.verb, group: a.type.group,
               resource: a.subresource.map { a.type.plural + "/" + $0 } ?? a.type.plural, namespace: a.namespace)
    }

    func allows(_ user: SimUser, verb: String, group: String, resource: String, namespace: String?) -> Bool {
        user.rules.contains { rule in
            (rule.verbs.contains("*") || rule.verbs.contains(verb))
                && (rule.apiGroups.contains("*") || rule.apiGroups.contains(group))
                && (rule.resources.contains("*") || rule.resources.contains(resource))
                && (rule.namespaces.contains("*") || namespace.map(rule.namespaces.contains) ?? false)
        }
    }

    /// `authorization.k8s.io/v1 SelfSubjectAccessReview`: the request echoed with `status.allowed`.
    func review(_ request: JSON, user: SimUser) -> JSON {
        var response = request
        response["apiVersion"] = "authorization.k8s.io/v1"
        response["kind"] = "SelfSubjectAccessReview"
        if response["metadata"] == nil { response["metadata"] = [:] }
        let allowed: Bool
        if let attrs = request["spec"]?["resourceAttributes"] {
            var resource = attrs["resource"]?.string ?? ""
            if let sub = attrs["subresource"]?.string, !sub.isEmpty { resource += "/" + sub }
            let ns = attrs["namespace"]?.string.flatMap { $0.isEmpty ? nil : $0 }
            allowed = allows(user, verb: attrs["verb"]?.string ?? "", group: attrs["group"]?.string ?? "",
                             resource: resource, namespace: ns)
        } else {
            allowed = true  // non-resource URLs (/version, /healthz) are open to every authenticated user
        }
        var status: JSON = ["allowed": .bool(allowed)]
        if allowed { status["reason"] = .string("RBAC: allowed by simulator rules for user \"\(user.name)\"") }
        response["status"] = status
        return response
    }

    /// `authentication.k8s.io/v1 SelfSubjectReview`: who the token belongs to.
    func whoAmI(_ user: SimUser) -> JSON {
        ["apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview",
         "metadata": ["creationTimestamp": .null],
         "status": ["userInfo": ["username": .string(user.name),
                                 "groups": .array((user.groups + ["system:authenticated"]).map(JSON.string))]]]
    }
}
