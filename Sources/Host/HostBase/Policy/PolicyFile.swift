import Foundation
import KubeClient
import KFYAML

/// Reads a policy file (KEP-936 format) into a Policy, with errors that name
/// the file and line:
///
///     policy:
///       persona: data-scientist      # optional: start from a built-in persona
///       allow: [category:discovery, category:training]
///       deny: [risk:destructive, delete_*]
///       namespaces: [ml-team-dev, ml-team-prod]
///       read_only: false
///       own_jobs_only: [category:lifecycle]
///       require_confirmation: [risk:expensive, risk:destructive]
///       skip_confirmation: [run_container_job]
///       subresources: [services/model-registry-service/proxy]    # beyond pods/log and */status reads
///       namespace_writes: false           # Namespace objects themselves
///       in_process_plugins: [libacme.so] # drop-ins allowed to run unsandboxed in the host's process
public enum PolicyFile {
    public struct Problem: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
        package init(message: String) { self.message = message }
    }

    static let keys = ["persona", "allow", "deny", "namespaces", "read_only", "own_jobs_only",
                       "require_confirmation", "skip_confirmation", "subresources", "namespace_writes",
                       InProcessPlugins.key]

    /// A built-in persona by name.
    public static func persona(_ name: String) throws(Problem) -> Policy {
        guard let text = BuiltinPersonas.yaml[name] else {
            throw Problem(message: "unknown persona '\(name)'; built-in personas: \(BuiltinPersonas.names.joined(separator: ", "))")
        }
        var policy = try parse(text, source: "persona \(name)", tools: nil)
        policy.name = name
        return policy
    }

    /// Parse policy YAML. With `tools`, every pattern must match a loaded tool
    /// (a typo would otherwise silently allow or deny nothing).
    /// `basePersona`: the persona to extend when the file names none (--persona).
    public static func parse(_ text: String, source: String, tools: [ToolSpec]?,
                             basePersona: String? = nil) throws(Problem) -> Policy {
        func fail(_ node: YAMLNode?, _ message: String) -> Problem {
            let line = node?.mark.map { ":\($0.line)" } ?? ""
            return Problem(message: "\(source)\(line): \(message)")
        }
        let root: YAMLNode?
        do { root = try YAMLReader.compose(text) } catch { throw Problem(message: "\(source): not valid YAML: \(error)") }
        guard let top = root?.mapping, let policyNode = top["policy"], let map = policyNode.mapping else {
            throw fail(root, "expected a top-level 'policy:' mapping")
        }
        for (key, _) in map {
            guard let k = key.string, keys.contains(k) else {
                throw fail(key, "unknown key '\(key.string ?? "?")' (expected one of \(keys.joined(separator: ", ")))")
            }
        }

        var policy = Policy(name: source, allow: [], deny: [], namespaces: nil, readOnly: false, ownObjectsOnly: [],
                            requireConfirmation: Policy.unrestricted.requireConfirmation, skipConfirmation: [])
        if let personaNode = map["persona"] {
            guard let name = personaNode.string else { throw fail(personaNode, "'persona' must be a name") }
            do { policy = try persona(name) } catch { throw fail(personaNode, error.message) }
            policy.name = "\(source) (extends \(name))"
        } else if let basePersona {
            policy = try persona(basePersona)
            policy.name = "\(source) (extends \(basePersona))"
        } else {
            policy.name = source
        }

        func patterns(_ key: String) throws(Problem) -> [ToolPattern]? {
            guard let node = map[key] else { return nil }
            guard let seq = node.sequence else { throw fail(node, "'\(key)' must be a list") }
            var out: [ToolPattern] = []
            for item in seq {
                guard let s = item.string else { throw fail(item, "'\(key)' entries must be strings") }
                let pattern: ToolPattern
                do { pattern = try ToolPattern(parsing: s) } catch {
                    switch error {
                    case .unknownRisk(let r):
                        throw fail(item, "unknown risk '\(r)' (expected read_only, mutating, expensive, destructive)")
                    case .empty: throw fail(item, "empty pattern")
                    case .badCharacters(let t):
                        throw fail(item, "'\(t)' is not category:<name>, risk:<level> or a tool-name glob")
                    }
                }
                if let tools {
                    if case .category(let c) = pattern, !tools.contains(where: { $0.category == c }) {
                        let known = Set(tools.map(\.category)).sorted().joined(separator: ", ")
                        throw fail(item, "unknown category '\(c)' (loaded categories: \(known))")
                    }
                    if !tools.contains(where: pattern.matches) {
                        throw fail(item, "pattern '\(s)' matches no loaded tool")
                    }
                }
                out.append(pattern)
            }
            return out
        }

        if let allow = try patterns("allow") { policy.allow += allow }
        if let deny = try patterns("deny") { policy.deny += deny }
        if let own = try patterns("own_jobs_only") { policy.ownObjectsOnly += own }
        if let require = try patterns("require_confirmation") { policy.requireConfirmation = require }
        if let skip = try patterns("skip_confirmation") { policy.skipConfirmation = skip }
        if let node = map["namespaces"] {
            guard let seq = node.sequence else { throw fail(node, "'namespaces' must be a list") }
            var names: [String] = []
            for item in seq {
                guard let s = item.string, !s.isEmpty else { throw fail(item, "namespace names must be strings") }
                names.append(s)
            }
            policy.namespaces = names
        }
        if let node = map["subresources"] {
            guard let seq = node.sequence else { throw fail(node, "'subresources' must be a list") }
            policy.subresources = []
            for item in seq {
                guard let entry = item.string else { throw fail(item, "'subresources' entries are strings such as services/model-registry-service/proxy") }
                switch SubresourceGrant.parse(entry) {
                case .failure(let problem): throw fail(item, "'subresources' \(problem.message)")
                case .success(let grant): policy.subresources.append(grant)
                }
            }
        }
        if let node = map["namespace_writes"] {
            guard let b = node.bool else { throw fail(node, "'namespace_writes' must be true or false") }
            policy.namespaceWrites = b
        }
        if let node = map["read_only"] {
            guard let b = node.bool else { throw fail(node, "'read_only' must be true or false") }
            policy.readOnly = policy.readOnly || b
        }
        if map["persona"] == nil && basePersona == nil && map["allow"] == nil {
            throw fail(policyNode, "a policy needs 'allow' (or 'persona' to start from)")
        }
        return policy
    }

    /// The file to use: --policy, else KFMCP_POLICY, else ~/.kf-mcp-policy.yaml if it exists.
    public static func locate(explicit: String?, environment: [String: String]) -> String? {
        if let explicit { return explicit }
        if let env = environment["KFMCP_POLICY"], !env.isEmpty { return env }
        let home = environment["HOME"] ?? NSHomeDirectory()
        let path = home + "/.kf-mcp-policy.yaml"
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
}
