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

    /// `user:NAME=PERSONA`, `group:NAME=PERSONA`, or `…=FILE` (a policy file path).
    public static func parse(_ specs: [String], tools: [ToolSpec]) throws(PolicyFile.Problem) -> UserPolicies {
        var rules: [Rule] = []
        for spec in specs {
            guard let eq = spec.firstIndex(of: "="), let colon = spec.firstIndex(of: ":"), colon < eq else {
                throw PolicyFile.Problem(message: "--user-policy '\(spec)': write user:NAME=PERSONA or group:NAME=PERSONA (or =FILE for a policy file)")
            }
            let kind = spec[..<colon], name = String(spec[spec.index(after: colon)..<eq])
            let target = String(spec[spec.index(after: eq)...])
            guard !name.isEmpty, !target.isEmpty, kind == "user" || kind == "group" else {
                throw PolicyFile.Problem(message: "--user-policy '\(spec)': write user:NAME=PERSONA or group:NAME=PERSONA (or =FILE for a policy file)")
            }
            let isFile = target.contains("/") || target.hasSuffix(".yaml") || target.hasSuffix(".yml")
            let policy = try resolve(persona: isFile ? nil : target, file: isFile ? target : nil, tools: tools)
            rules.append(Rule(subject: kind == "user" ? .user(name) : .group(name), policy: policy))
        }
        return UserPolicies(rules: rules)
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
