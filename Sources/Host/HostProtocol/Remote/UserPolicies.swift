import Foundation
import HostBase
import HostCalls
import HostKubeGate
import HostPlugins

/// Which policy a remote user gets: their own entry's persona or policy file
/// (tokens file), else the first `user:NAME` rule, else the first matching
/// `group:NAME` rule, else the server's policy (--persona/--policy).
public struct UserPolicies: Sendable {
    public struct Rule: Sendable {
        public enum Subject: Sendable, Equatable { case user(String), group(String) }
        public let subject: Subject
        public let policy: Policy
    }
    public let rules: [Rule]

    public init(rules: [Rule] = []) { self.rules = rules }

    /// `user:NAME=PERSONA`, `group:NAME=PERSONA`, or `…=FILE` (a policy file path),
    /// each optionally `@NS1,NS2`: a persona is a set of tools and a set of namespaces.
    public static func parse(_ specs: [String], tools: [ToolSpec]) throws(PolicyFile.Problem) -> UserPolicies {
        var rules: [Rule] = []
        for spec in specs {
            guard let eq = spec.firstIndex(of: "="), let colon = spec.firstIndex(of: ":"), colon < eq else {
                throw PolicyFile.Problem(message: "--user-policy '\(spec)': write user:NAME=PERSONA or group:NAME=PERSONA (or =FILE for a policy file)")
            }
            let kind = spec[..<colon], name = String(spec[spec.index(after: colon)..<eq])
            var target = String(spec[spec.index(after: eq)...])
            var namespaces: [String]?
            if let at = target.lastIndex(of: "@") {
                namespaces = try Self.namespaces(String(target[target.index(after: at)...]), in: "--user-policy '\(spec)'")
                target = String(target[..<at])
            }
            guard !name.isEmpty, !target.isEmpty, kind == "user" || kind == "group" else {
                throw PolicyFile.Problem(message: "--user-policy '\(spec)': write user:NAME=PERSONA or group:NAME=PERSONA (or =FILE for a policy file)")
            }
            let isFile = target.contains("/") || target.hasSuffix(".yaml") || target.hasSuffix(".yml")
            let policy = try resolve(persona: isFile ? nil : target, file: isFile ? target : nil, tools: tools)
            rules.append(Rule(subject: kind == "user" ? .user(name) : .group(name), policy: scope(policy, to: namespaces)))
        }
        return UserPolicies(rules: rules)
    }

    /// `NS1,NS2`: namespace names (DNS-1123 labels), at least one.
    static func namespaces(_ list: String, in context: String) throws(PolicyFile.Problem) -> [String] {
        let names = list.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        for name in names {
            if let problem = KubeNames.labelProblem(name) {
                throw PolicyFile.Problem(message: "\(context): namespace '\(name)' \(problem); write @NS1,NS2 after the persona")
            }
        }
        return names
    }

    /// The policy, allowed only these namespaces (within any it already names); nil: as it is.
    static func scope(_ policy: Policy, to namespaces: [String]?) -> Policy {
        guard let namespaces else { return policy }
        var scoped = policy
        scoped.namespaces = policy.namespaces.map { $0.filter(namespaces.contains) } ?? namespaces
        return scoped
    }

    /// The user's policy: theirs (or the server's, `fallback`), within the namespaces their token names.
    func effectivePolicy(for user: RemoteUser, tools: [ToolSpec], fallback: Policy) throws(PolicyFile.Problem) -> Policy {
        Self.scope(try policy(for: user, tools: tools) ?? fallback, to: user.namespaces)
    }

    static func resolve(persona: String?, file: String?, tools: [ToolSpec]) throws(PolicyFile.Problem) -> Policy {
        if let file { return try Host.policy(persona: persona, file: file, environment: [:], tools: tools) }
        if let persona { return try PolicyFile.persona(persona) }
        return .unrestricted
    }

    /// nil: no rule names this user; the server's policy applies.
    func policy(for user: RemoteUser, tools: [ToolSpec]) throws(PolicyFile.Problem) -> Policy? {
        if user.persona != nil || user.policyFile != nil {
            return try Self.resolve(persona: user.persona, file: user.policyFile, tools: tools)
        }
        if let rule = rules.first(where: { $0.subject == .user(user.name) }) { return rule.policy }
        for rule in rules {
            if case .group(let g) = rule.subject, user.groups.contains(g) { return rule.policy }
        }
        return nil
    }
}
