import Foundation

/// A subresource a policy lets plugins use beyond reading pods/log and
/// */status: parsed from its policy-file entry into structure, and matched
/// against a request's parsed resource, never compared as text.
///
/// Entry forms (the `subresources:` list of a policy file):
///  - `resource/subresource`: a core resource's subresource on any object
///    (`services/proxy`: every Service's HTTP API, in every allowed namespace: wide);
///  - `resource/name/subresource`: one core object's
///    (`services/model-registry-service/proxy`: that Service only, any port);
///  - `group/resource/name/subresource`: a named group's, `*` for any object
///    (`apps/deployments/*/scale`).
public struct SubresourceGrant: Sendable, Equatable, CustomStringConvertible {
    /// "" for the core group.
    public let group: String
    public let resource: String
    /// nil: any object of the resource.
    public let name: String?
    public let subresource: String

    public init(group: String = "", resource: String, name: String? = nil, subresource: String) {
        self.group = group
        self.resource = resource
        self.name = name
        self.subresource = subresource
    }

    /// The default: the Model Registry plugin's route to its Service as the
    /// registry's own manifests install it (plugins.d `service:` may name
    /// another, which the policy must then name too). A Service name, not a
    /// plugin's word: the policy never asks a plugin what it may reach.
    public static let modelRegistryProxy = SubresourceGrant(resource: "services", name: "model-registry-service", subresource: "proxy")

    /// The entry as an operator writes it (the shortest form that says the same).
    public var description: String {
        if group.isEmpty { return [resource, name, subresource].compactMap { $0 }.joined(separator: "/") }
        return [group, resource, name ?? "*", subresource].joined(separator: "/")
    }

    /// Whether this grant covers `request`, the grant a request needs (`needed`).
    public func covers(_ request: SubresourceGrant) -> Bool {
        guard request.group == group, request.resource == resource, request.subresource == subresource else { return false }
        return name == nil || name == request.name
    }

    /// What a request for `subresource` of `resource` (in `group`) on the
    /// object `name` needs a policy to grant, and the entry a refusal quotes.
    /// A Service proxy's object is the Service: its port (`name:port`) is not
    /// part of what the policy names.
    public static func needed(group: String, resource: String, name: String?, subresource: String) -> SubresourceGrant {
        var object = name
        if group.isEmpty, resource == "services", subresource == "proxy", let n = name, let colon = n.firstIndex(of: ":") {
            object = String(n[..<colon])
        }
        return SubresourceGrant(group: group, resource: resource, name: object, subresource: subresource)
    }

    /// Parses a policy entry; the error says what is wrong and the forms that are right.
    public static func parse(_ entry: String) -> Result<SubresourceGrant, EntryProblem> {
        let forms = "entries are resource/subresource (any object), resource/name/subresource (one core object, e.g. "
            + "services/model-registry-service/proxy) or group/resource/name/subresource (name or *, e.g. apps/deployments/*/scale)"
        let parts = entry.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        func problem(_ why: String) -> Result<SubresourceGrant, EntryProblem> {
            .failure(EntryProblem(message: "'\(entry)': \(why); \(forms)"))
        }
        let group: String, resource: String, name: String?, subresource: String
        switch parts.count {
        case 2: (group, resource, name, subresource) = ("", parts[0], nil, parts[1])
        case 3: (group, resource, name, subresource) = ("", parts[0], parts[1], parts[2])
        case 4: (group, resource, name, subresource) = (parts[0], parts[1], parts[2] == "*" ? nil : parts[2], parts[3])
        default: return problem("\(parts.count) parts")
        }
        if !group.isEmpty, let p = KubeNames.subdomainProblem(group) { return problem("group '\(group)' \(p)") }
        if let p = KubeNames.identifierProblem(resource) {
            return problem(parts.count == 3 && resource.contains(".")
                ? "three parts name a core object (resource/name/subresource), and '\(resource)' is a group: a group's subresource takes four parts"
                : "resource '\(resource)' \(p)")
        }
        if let p = KubeNames.identifierProblem(subresource) { return problem("subresource '\(subresource)' \(p)") }
        if let name, let p = KubeNames.subdomainProblem(name) {
            return problem("name '\(name)' \(p)" + (name == "*" ? " (* stands for any object only in the four-part form; "
                + "resource/subresource already means any)" : ""))
        }
        return .success(SubresourceGrant(group: group, resource: resource, name: name, subresource: subresource))
    }

    public struct EntryProblem: Error, Sendable { public let message: String }
}
