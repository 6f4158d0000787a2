import Foundation
import HostBase
import HostCalls
import HostKubeGate
import HostPlugins
import KFJSON

/// tasks/list: the caller's own tasks in every namespace their policy allows, a page at a time,
/// kind after kind and, within a kind, namespace after namespace.
///
/// Where it looks: a policy with a namespace allowlist (the server's `namespaces:`, or a user's
/// `@ns,…` scope over HTTP) is listed namespace by namespace, in sorted order. A policy that
/// allows every namespace gets one list across the cluster, which RBAC still decides: when the
/// API refuses it (a user whose rights stop at namespaces), the connection's default namespace is
/// listed instead. Either way every list selects the caller's owner label and every object is
/// checked against the owner annotation, so no other user's task is ever shown.
extension TaskRouter {
    /// Lists sent for one page at most: a long allowlist of empty namespaces costs the client a few
    /// short pages rather than one unbounded request.
    static let listRequestsPerPage = 8

    /// One place in the walk: which kind, which of the scopes (nil: the whole cluster), the
    /// namespace actually listed there (the default one when the cluster-wide list was refused),
    /// and the API server's continue token within it.
    private struct Position {
        var kind: Int
        var scope: Int
        var namespace: String?
        var token: String
    }

    /// The walk's namespaces: the allowlist, sorted, or the whole cluster when the policy allows every namespace.
    private var listScopes: [String?] {
        guard let allowed = invoker.policy.namespaces else { return [nil] }
        return Set(allowed).sorted()
    }

    /// A page: up to `pageSize` tasks, continuing from `cursor` (nextCursor of the previous page).
    func listPage(cursor: JSON?) async throws -> JSON {
        let kinds = catalog.orderedKinds
        let scopes = listScopes
        guard !scopes.isEmpty else { return ["tasks": []] }  // an empty allowlist: no namespace to look in
        var at = Position(kind: 0, scope: 0, namespace: scopes.first ?? nil, token: "")
        if let cursor, cursor != .null { at = try position(cursor, kinds: kinds, scopes: scopes) }
        let me = identity()
        var tasks: [JSON] = []
        var requests = 0
        while at.kind < kinds.count, tasks.count < Self.pageSize,
              requests < Self.listRequestsPerPage {
            requests += 1
            let kind = kinds[at.kind]
            let (page, listed) = await listOwned(kind, namespace: at.namespace, token: at.token,
                                                 limit: Self.pageSize - tasks.count, owner: me)
            at.namespace = listed
            for item in page["items"]?.array ?? [] {
                // The label is a hash: the owner itself must match too, and the namespace be the policy's.
                guard item["metadata"]?["annotations"]?[ClusterGuard.ownerAnnotation]?.string == me,
                      let name = item["metadata"]?["name"]?.string,
                      let namespace = item["metadata"]?["namespace"]?.string ?? listed,
                      invoker.policy.allowsNamespace(namespace),
                      TaskID.problem(namespace: namespace, name: name) == nil else { continue }
                if let state = try? await taskJSON(TaskID(kind: kind.key, namespace: namespace, name: name), kind: kind) {
                    tasks.append(state.json)
                }
            }
            if let next = page["metadata"]?["continue"]?.string, !next.isEmpty {
                at.token = next
            } else {
                at = Self.after(at, scopes: scopes)
            }
        }
        var result: JSON = ["tasks": .array(tasks)]
        if at.kind < kinds.count { result["nextCursor"] = .string(Self.cursor(kinds[at.kind].key, at)) }
        return result
    }

    /// One list of the caller's objects of a kind (nil namespace: across the cluster, falling back to
    /// the default namespace when the API refuses that), and the namespace it ended up listing.
    /// Anything but a list (the kind's API not installed, no right to read it) is an empty one.
    private func listOwned(_ kind: TaskSurface.Kind, namespace: String?, token: String, limit: Int,
                           owner: String) async -> (JSON, String?) {
        let query = [("labelSelector", "\(ClusterGuard.ownerLabel)=\(ClusterGuard.labelSafeHash(owner))"),
                     ("limit", String(limit))] + (token.isEmpty ? [] : [("continue", token)])
        return await ToolInvoker.onOwnThread { [self] in
            func list(_ namespace: String?) -> (status: Int, body: JSON) {
                guard namespace.map(invoker.policy.allowsNamespace) ?? (invoker.policy.namespaces == nil) else {
                    return (403, [:])
                }
                let r = cluster.send(ClusterRequest(verb: "list", resource: ResourceRef(
                    group: kind.group, version: kind.version, resource: kind.resource, namespace: namespace), query: query))
                return (r.status, r.bodyJSON)
            }
            var listed = namespace
            var r = list(listed)
            if listed == nil && r.status == 403 {
                listed = cluster.defaultNamespace
                r = list(listed)
            }
            return (r.status == 200 ? r.body : ["items": []], listed)
        }
    }

    /// The next scope, or the next kind's first one.
    private static func after(_ at: Position, scopes: [String?]) -> Position {
        at.scope + 1 < scopes.count
            ? Position(kind: at.kind, scope: at.scope + 1, namespace: scopes[at.scope + 1], token: "")
            : Position(kind: at.kind + 1, scope: 0, namespace: scopes.first ?? nil, token: "")
    }

    /// A cursor names the kind, the namespace listed ("" across the cluster) and the continue token:
    /// bound to nothing secret, as every page is filtered by the caller's owner stamp again, and
    /// valid only where this caller's policy would walk now.
    private static func cursor(_ kind: String, _ at: Position) -> String {
        let json: JSON = ["k": .string(kind), "n": .string(at.namespace ?? ""), "c": .string(at.token)]
        return Data(json.serialized().utf8).base64EncodedString()
    }

    private func position(_ cursor: JSON, kinds: [TaskSurface.Kind], scopes: [String?]) throws -> Position {
        let refused = TaskFailure.invalid("params.cursor is not a cursor this server gave for your namespaces (send the nextCursor of the previous tasks/list unchanged, or omit it to start over)")
        guard let text = cursor.string, text.utf8.count <= 8192, let data = Data(base64Encoded: text),
              let decoded = try? JSON.parse(String(decoding: data, as: UTF8.self)),
              let key = decoded["k"]?.string, let kind = kinds.firstIndex(where: { $0.key == key }),
              let namespace = decoded["n"]?.string, let token = decoded["c"]?.string, token.utf8.count <= 2048
        else { throw refused }
        let listed: String? = namespace.isEmpty ? nil : namespace
        if let scope = scopes.firstIndex(of: listed) {
            return Position(kind: kind, scope: scope, namespace: listed, token: token)
        }
        // The default namespace stands in for a cluster-wide list the API refused.
        if scopes == [nil], listed == cluster.defaultNamespace {
            return Position(kind: kind, scope: 0, namespace: listed, token: token)
        }
        throw refused
    }
}
