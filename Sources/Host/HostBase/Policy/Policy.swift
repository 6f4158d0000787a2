import Foundation

/// Who may do what, enforced by the host for every plugin (KEP-936
/// "Policy-Based Access Control"):
///  - which tools are listed and callable (allow, then deny, which wins);
///  - which namespaces Kubernetes requests may touch;
///  - read-only mode (no tool that is not read-only, no writing request);
///  - which tools act only on the caller's own objects;
///  - which tools need the user's confirmation first.
public struct Policy: Sendable {
    public var name: String
    public var allow: [ToolPattern]
    public var deny: [ToolPattern]
    /// nil: every namespace.
    public var namespaces: [String]?
    public var readOnly: Bool
    /// Tools that may change only objects the caller created.
    public var ownObjectsOnly: [ToolPattern]
    public var requireConfirmation: [ToolPattern]
    public var skipConfirmation: [ToolPattern]
    /// Subresources beyond reading pods/log and */status that plugins may use
    /// (SubresourceGrant: the forms an entry takes). Everything else (nodes/proxy,
    /// pods/exec, another Service's proxy, …) is refused. By default only the
    /// Model Registry's Service proxy, `services/model-registry-service/proxy`
    /// (RBAC on services/proxy has the last word); a policy file's
    /// `subresources:` list replaces it (`[]`: none; `services/proxy`: every Service).
    public var subresources: [SubresourceGrant] = [.modelRegistryProxy]
    /// Whether plugins may create, change or delete Namespace objects (their
    /// labels set the namespace's Pod Security level).
    public var namespaceWrites = false

    /// No policy file: everything allowed, expensive and destructive tools confirmed.
    public static let unrestricted = Policy(
        name: "default", allow: [.glob("*")], deny: [], namespaces: nil, readOnly: false, ownObjectsOnly: [],
        requireConfirmation: [.risk(.expensive), .risk(.destructive)], skipConfirmation: [])

    public func allows(_ tool: ToolSpec) -> Bool {
        if readOnly && tool.risk != .readOnly { return false }
        guard allow.contains(where: { $0.matches(tool) }) else { return false }
        return !deny.contains(where: { $0.matches(tool) })
    }

    /// Why a tool is hidden, for the refusal message.
    public func refusal(for tool: ToolSpec) -> String {
        if readOnly && tool.risk != .readOnly {
            return "Tool '\(tool.name)' is not available: policy '\(name)' is read-only and this tool is \(tool.risk.rawValue)."
        }
        if let d = deny.first(where: { $0.matches(tool) }) {
            return "Tool '\(tool.name)' is denied by policy '\(name)' (deny: \(d))."
        }
        return "Tool '\(tool.name)' is not allowed by policy '\(name)' (its category '\(tool.category)' is not in allow)."
    }

    public func needsConfirmation(_ tool: ToolSpec) -> Bool {
        requireConfirmation.contains { $0.matches(tool) } && !skipsConfirmation(tool)
    }

    /// skip_confirmation names the tool (automation): no step asks for it.
    public func skipsConfirmation(_ tool: ToolSpec) -> Bool {
        skipConfirmation.contains { $0.matches(tool) }
    }

    public func ownObjectsOnly(_ tool: ToolSpec) -> Bool { ownObjectsOnly.contains { $0.matches(tool) } }

    /// Under an own-objects policy every update, patch and delete is checked
    /// against the object's owner, whichever tool sends it: a tool's category
    /// is the plugin's word, so it cannot be what exempts a write.
    public var changesOwnObjectsOnly: Bool { !ownObjectsOnly.isEmpty }

    public func allowsNamespace(_ namespace: String) -> Bool { namespaces?.contains(namespace) ?? true }
}
