import Foundation
import KFYAML

/// The third-party plugins the operator lets run in the host's own process,
/// outside the sandbox: `policy: in_process_plugins: [libacme.so]` in the
/// operator's policy file, by library file name. Anything else a plugins.d
/// entry says (`isolation: in-process`) does not make a drop-in trusted.
public enum InProcessPlugins {
    public static let key = "in_process_plugins"

    /// The names the policy file at `path` lists; none when there is no file or
    /// it does not read (the policy itself then fails to load, saying why).
    public static func allowed(policyFile path: String?) -> Set<String> {
        guard let path, let text = try? String(contentsOfFile: path, encoding: .utf8),
            let root = (try? YAMLReader.load(text)) as? [String: Any],
            let policy = root["policy"] as? [String: Any], let names = policy[key] as? [Any]
        else { return [] }
        return Set(names.compactMap { $0 as? String })
    }
}
