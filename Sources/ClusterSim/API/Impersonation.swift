import Foundation
import KFJSON

/// What an MCP server in the cluster needs from the API server to act for its
/// users: TokenReview (whose token is this?) and impersonation (act as that
/// user, authorized by that user's rules) — each itself behind RBAC, as in
/// Kubernetes: `create tokenreviews` and `impersonate users/groups`.
extension Authorizer {
    /// `authentication.k8s.io/v1 TokenReview`: the request echoed with `status`.
    func tokenReview(_ request: JSON, reviewer: SimUser) throws(APIError) -> JSON {
        guard allows(reviewer, verb: "create", group: "authentication.k8s.io", resource: "tokenreviews", namespace: nil) else {
            throw APIError.forbidden(ResourceCatalog.tokenReviews, name: nil, user: reviewer.name, verb: "create",
                                     subresource: nil, namespace: nil)
        }
        guard let token = request["spec"]?["token"]?.string, !token.isEmpty else {
            throw APIError.badRequest("TokenReview spec.token is required")
        }
        var response = request
        response["apiVersion"] = "authentication.k8s.io/v1"
        response["kind"] = "TokenReview"
        if response["metadata"] == nil { response["metadata"] = ["creationTimestamp": .null] }
        response["spec"] = [:]  // a review never echoes the token back
        if let user = users.first(where: { $0.token == token }) {
            response["status"] = ["authenticated": true,
                                  "user": ["username": .string(user.name),
                                           "groups": .array((user.groups + ["system:authenticated"]).map(JSON.string))]]
        } else {
            response["status"] = ["authenticated": false, "error": "invalid bearer token"]
        }
        return response
    }

    /// The user a request acts as: itself, or with `Impersonate-User` (and
    /// `Impersonate-Group`) the named user, when `user` may impersonate them.
    /// A seed user keeps their own rules; any other name has none.
    func acting(as user: SimUser, impersonateUser: String?, groups: [String]) throws(APIError) -> SimUser {
        guard let name = impersonateUser else {
            if groups.isEmpty { return user }
            throw APIError.badRequest("Impersonate-Group needs Impersonate-User")
        }
        for (resource, value) in [("users", name)] + groups.map({ ("groups", $0) }) {
            guard allows(user, verb: "impersonate", group: "", resource: resource, namespace: nil) else {
                throw APIError(code: 403, reason: "Forbidden",
                               message: "\(resource) \"\(value)\" is forbidden: User \"\(user.name)\" cannot impersonate resource \"\(resource)\" in API group \"\" at the cluster scope")
            }
        }
        var acting = users.first { $0.name == name } ?? SimUser(name: name, token: "", groups: [], rules: [])
        acting.token = ""
        if !groups.isEmpty { acting.groups = groups.filter { $0 != "system:authenticated" } }
        return acting
    }
}
