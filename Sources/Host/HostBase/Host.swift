import Foundation

/// The host's entry points, each where its floor is: the policy in force here,
/// start-up in the composition root (HostCore).
public enum Host {}

extension Host {
    /// The policy in force: --persona and/or a policy file (--policy, $KFMCP_POLICY,
    /// ~/.kf-mcp-policy.yaml); a file may extend a persona. Neither: unrestricted.
    public static func policy(persona: String?, file: String?, environment: [String: String],
                              tools: [ToolSpec]) throws(PolicyFile.Problem) -> Policy {
        let path = PolicyFile.locate(explicit: file, environment: environment)
        var policy = try persona.map { name throws(PolicyFile.Problem) in try PolicyFile.persona(name) } ?? .unrestricted
        if let path {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw PolicyFile.Problem(message: "\(path): cannot read the policy file")
            }
            // --persona NAME plus a file without its own `persona:`: the file extends NAME.
            policy = try PolicyFile.parse(text, source: path, tools: tools, basePersona: persona)
        }
        return policy
    }
}
