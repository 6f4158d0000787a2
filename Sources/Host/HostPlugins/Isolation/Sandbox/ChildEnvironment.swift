import Foundation

/// The environment a plugin-host child starts with: an allowlist, so cloud
/// keys, tokens, KUBECONFIG and whatever else the host was given stay with the
/// host. Nothing here names a secret; a variable not listed never passes.
enum ChildEnvironment {
    /// Passed through when set: locale, time zone, where the Swift runtime is.
    static let passed: Set<String> = ["PATH", "LANG", "LANGUAGE", "TZ", "LD_LIBRARY_PATH"]
    static let passedPrefixes = ["LC_"]
    /// Set whatever the host has: a crash is reported by the host, not by a
    /// backtracer the sandbox would stop half-way (it needs ptrace and exec).
    static let fixed = ["SWIFT_BACKTRACE": "enable=no"]

    static var allowlistSummary: String {
        (passed.sorted() + passedPrefixes.map { $0 + "*" }).joined(separator: ", ")
    }

    /// In the child: nil when only allowlisted variables are set (what the parent built).
    static func check() -> String? {
        let extra = ProcessInfo.processInfo.environment.keys.filter { key in
            !passed.contains(key) && !passedPrefixes.contains { key.hasPrefix($0) } && fixed[key] == nil
        }
        return extra.isEmpty ? nil : "started with variables outside the allowlist: \(extra.sorted().joined(separator: ", "))"
    }

    static func build(from environment: [String: String]) -> [String] {
        var env = environment.filter { key, _ in passed.contains(key) || passedPrefixes.contains { key.hasPrefix($0) } }
        env.merge(fixed) { _, new in new }
        return env.map { "\($0.key)=\($0.value)" }.sorted()
    }
}
