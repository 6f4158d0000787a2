import Foundation
import HostBase
import HostCalls
import HostKubeGate
import KFJSON

/// tasks/list: the caller's own tasks, a page at a time, kind after kind.
extension TaskRouter {
    /// A cursor: which kind, and the API server's continue token within it; bound to nothing
    /// secret, as every page is filtered by the caller's owner stamp again.
    func listPage(cursor: JSON?) async throws -> JSON {
        let kinds = catalog.orderedKinds
        var index = 0
        var continueToken = ""
        if let cursor, cursor != .null {
            guard let text = cursor.string, let data = Data(base64Encoded: text), data.count <= 4096,
                  let decoded = try? JSON.parse(String(decoding: data, as: UTF8.self)),
                  let key = decoded["k"]?.string, let at = kinds.firstIndex(where: { $0.key == key }),
                  let c = decoded["c"]?.string, c.utf8.count <= 2048
            else { throw TaskFailure.invalid("params.cursor is not a cursor this server gave (send the nextCursor of the previous tasks/list unchanged)") }
            index = at
            continueToken = c
        }
        guard index < kinds.count else { return ["tasks": []] }
        let kind = kinds[index]
        let namespace = cluster.defaultNamespace
        let me = identity()
        var query = [("labelSelector", "\(ClusterGuard.ownerLabel)=\(ClusterGuard.labelSafeHash(me))"),
                     ("limit", String(Self.pageSize))]
        if !continueToken.isEmpty { query.append(("continue", continueToken)) }
        let request = ClusterRequest(verb: "list", resource: ResourceRef(
            group: kind.group, version: kind.version, resource: kind.resource, namespace: namespace), query: query)
        let page: JSON = invoker.policy.allowsNamespace(namespace) ? await ToolInvoker.onOwnThread { [self] in
            let r = cluster.send(request)
            return r.status == 200 ? r.bodyJSON : ["items": []]
        } : ["items": []]
        var tasks: [JSON] = []
        for item in page["items"]?.array ?? [] {
            // The label is a hash: the owner itself must match too.
            guard item["metadata"]?["annotations"]?[ClusterGuard.ownerAnnotation]?.string == me,
                  let name = item["metadata"]?["name"]?.string else { continue }
            if let state = try? await taskJSON(TaskID(kind: kind.key, namespace: namespace, name: name), kind: kind) {
                tasks.append(state.json)
            }
        }
        var result: JSON = ["tasks": .array(tasks)]
        let next = page["metadata"]?["continue"]?.string ?? ""
        if !next.isEmpty {
            result["nextCursor"] = .string(Self.cursor(kind.key, next))
        } else if index + 1 < kinds.count {
            result["nextCursor"] = .string(Self.cursor(kinds[index + 1].key, ""))
        }
        return result
    }

    private static func cursor(_ kind: String, _ continueToken: String) -> String {
        Data((["k": .string(kind), "c": .string(continueToken)] as JSON).serialized().utf8).base64EncodedString()
    }
}
