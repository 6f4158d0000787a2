/// Kubernetes' naming rules (apimachinery validation), checked by the host on
/// every structured request whatever the plugin's schema said.
package enum KubeNames {
    /// Kinds whose names are DNS-1123 labels; every other kind: subdomain (a
    /// plugin checks its own kinds' stricter rules; the API server has the last word).
    package static let labelNamedResources: Set<String> = ["/namespaces", "/services"]

    private static func alnum(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) }

    /// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, any length.
    package static func isLabel(_ b: ArraySlice<UInt8>) -> Bool {
        guard let first = b.first, let last = b.last, alnum(first), alnum(last) else { return false }
        return b.allSatisfy { alnum($0) || $0 == 0x2D }
    }

    /// Labels joined by '.', any length.
    package static func isSubdomain(_ b: [UInt8]) -> Bool {
        b.split(separator: 0x2E, omittingEmptySubsequences: false).allSatisfy(isLabel)
    }

    /// nil when valid; else what is wrong.
    package static func labelProblem(_ s: String, max: Int = 63) -> String? {
        let b = Array(s.utf8)
        if b.isEmpty { return "is empty" }
        if b.count > max { return "has \(b.count) characters (at most \(max))" }
        guard isLabel(b[...]) else {
            return "is not a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit)"
        }
        return nil
    }

    package static func subdomainProblem(_ s: String) -> String? {
        let b = Array(s.utf8)
        if b.isEmpty { return "is empty" }
        if b.count > 253 { return "has \(b.count) characters (at most 253)" }
        guard isSubdomain(b) else {
            return "is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', each part starting and ending with a letter or digit)"
        }
        return nil
    }

    package static func nameProblem(_ s: String, groupResource: String) -> String? {
        labelNamedResources.contains(groupResource) ? labelProblem(s) : subdomainProblem(s)
    }

    /// resource, subresource: lowercase letters and digits, starting with a letter.
    package static func identifierProblem(_ s: String) -> String? {
        let b = Array(s.utf8)
        guard let first = b.first, first >= 0x61 && first <= 0x7A, b.count <= 63, b.allSatisfy(alnum) else {
            return "must be lowercase letters and digits, starting with a letter"
        }
        return nil
    }

    /// v1, v1alpha1, v2beta3: v, a number, then optionally alpha or beta and a number.
    /// (Scanned by hand: a regular expression was compiled on every cluster request.)
    package static func versionProblem(_ s: String) -> String? {
        var rest = Substring(s).utf8[...]
        func number() -> Bool {  // [1-9][0-9]*
            guard let first = rest.first, first >= 0x31 && first <= 0x39 else { return false }
            rest = rest.drop(while: { $0 >= 0x30 && $0 <= 0x39 })
            return true
        }
        func take(_ word: String) -> Bool {
            guard rest.starts(with: word.utf8) else { return false }
            rest = rest.dropFirst(word.utf8.count)
            return true
        }
        let ok = take("v") && number() && (rest.isEmpty || ((take("alpha") || take("beta")) && number() && rest.isEmpty))
        return ok ? nil : "is not an API version like v1 or v1alpha1"
    }

    /// "group/resource" a plugin may name in its manifest (a cluster-scoped
    /// read, a watched collection): a group with a '.' outside k8s.io, never a
    /// core or built-in resource such as Secrets, whatever the plugin says.
    package static func isDeclarableResource(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        // Byte tests, not String.contains("."): that one is _StringProcessing's
        // generic search, whose first use costs half a millisecond of start-up.
        guard parts.count == 2, subdomainProblem(String(parts[0])) == nil, parts[0].utf8.contains(UInt8(ascii: ".")),
            !parts[0].hasSuffix("k8s.io"), !parts[1].isEmpty,
            parts[1].utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) })
        else { return false }
        return true
    }
}
