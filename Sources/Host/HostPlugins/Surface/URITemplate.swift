import HostBase

/// A resource URI template of RFC 6570 level 1 restricted to whole path
/// segments: `thing://{namespace}/{name}`. Each variable stands for one
/// segment, and a value must be a Kubernetes name (DNS-1123 subdomain): no
/// '/', no '%' (so no encoded slash or dot), no "..". The host matches URIs
/// here, before any handler sees a value, so nothing else reaches a URL.
public struct URITemplate: Sendable, Equatable {
    public let text: String
    /// Literal text and variables, in order.
    enum Part: Equatable { case literal(String), variable(String) }
    let parts: [Part]

    public var variables: [String] { parts.compactMap { if case .variable(let v) = $0 { return v } else { return nil } } }

    /// nil with a reason when the text is not a template this host matches.
    public static func parse(_ text: String) -> Result<URITemplate, SurfaceProblem> {
        guard text.utf8.count <= 512, !text.isEmpty else { return .failure(SurfaceProblem("is empty or longer than 512 bytes")) }
        guard let scheme = text.range(of: "://"), text[..<scheme.lowerBound].allSatisfy({ $0.isLetter || $0 == "-" || $0 == "+" }),
              !text[..<scheme.lowerBound].isEmpty
        else { return .failure(SurfaceProblem("'\(text)' does not start with a scheme (like thing://)")) }
        var parts: [Part] = []
        var literal = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            literal += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { return .failure(SurfaceProblem("'\(text)' has an unclosed '{'")) }
            let name = String(rest[rest.index(after: open)..<close])
            guard ManifestReader.isToolName(name) else {
                return .failure(SurfaceProblem("'\(text)': variable '\(name)' is not [a-z][a-z0-9_]* (operators like {+x} or {/x} are not supported)"))
            }
            // A variable is a whole segment: after "://" or "/", and followed by "/" or the end.
            guard literal.hasSuffix("/") else { return .failure(SurfaceProblem("'\(text)': variable {\(name)} does not start a path segment")) }
            let after = rest[rest.index(after: close)...]
            guard after.isEmpty || after.hasPrefix("/") else { return .failure(SurfaceProblem("'\(text)': variable {\(name)} does not end a path segment")) }
            guard !parts.contains(.variable(name)) else { return .failure(SurfaceProblem("'\(text)' names {\(name)} twice")) }
            parts.append(.literal(literal))
            parts.append(.variable(name))
            literal = ""
            rest = after
        }
        literal += rest
        if literal.contains("}") { return .failure(SurfaceProblem("'\(text)' has a '}' without '{'")) }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        return .success(URITemplate(text: text, parts: parts.filter { $0 != .literal("") }))
    }

    /// The variables of a URI this template matches, each value a valid
    /// Kubernetes name; `.failure` says which segment is wrong when the
    /// literal parts match but a value does not; nil when the URI is another shape.
    public func match(_ uri: String) -> Result<[String: String], SurfaceProblem>? {
        var values: [String: String] = [:]
        var rest = Substring(uri)
        for (i, part) in parts.enumerated() {
            switch part {
            case .literal(let l):
                guard rest.hasPrefix(l) else { return nil }
                rest = rest.dropFirst(l.count)
            case .variable(let name):
                // Up to the next '/', or the end when this is the last part.
                let isLast = i == parts.count - 1
                let end = isLast ? rest.endIndex : (rest.firstIndex(of: "/") ?? rest.endIndex)
                let value = String(rest[..<end])
                rest = rest[end...]
                if isLast && value.contains("/") { return nil }
                if let problem = Self.valueProblem(value) { return .failure(SurfaceProblem("{\(name)} '\(value.prefix(80))' \(problem)")) }
                values[name] = value
            }
        }
        return rest.isEmpty ? .success(values) : nil
    }

    /// The URI for these values (each checked as `match` would).
    public func expand(_ values: [String: String]) -> String? {
        var out = ""
        for part in parts {
            switch part {
            case .literal(let l): out += l
            case .variable(let name):
                guard let v = values[name], Self.valueProblem(v) == nil else { return nil }
                out += v
            }
        }
        return out
    }

    public static func isValue(_ s: String) -> Bool { valueProblem(s) == nil }

    /// The host's name rule for a value taken from a URI.
    static func valueProblem(_ value: String) -> String? {
        if value.contains("%") { return "is percent-encoded; names are plain [a-z0-9.-]" }
        return KubeNames.subdomainProblem(value)
    }
}

/// Why a surface declaration or a URI was refused, in one sentence.
public struct SurfaceProblem: Error, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}
