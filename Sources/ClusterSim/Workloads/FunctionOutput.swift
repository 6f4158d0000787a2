import Foundation

/// What a Kubeflow SDK custom function prints, as far as its source says without running it:
/// each `print("...")` / `print(f"...")` literal, with f-string fields filled from the keyword
/// arguments the SDK calls the function with and the process's rank and world size. A line with a
/// field nothing here can fill is left out: the simulator never prints the function's source text.
struct FunctionOutput: Sendable, Equatable {
    struct Literal: Sendable, Equatable {
        let text: String
        let formatted: Bool  // an f-string
    }

    let literals: [Literal]
    let keywords: [String: String]

    init(script: String, keywords: [String: String]) {
        literals = Self.printedLiterals(script)
        self.keywords = keywords
    }

    /// The lines process `rank` of `worldSize` prints.
    func lines(rank: Int, worldSize: Int) -> [String] {
        literals.compactMap { literal in
            literal.formatted ? fill(literal.text, rank: rank, worldSize: worldSize) : literal.text
        }
    }

    private func fill(_ template: String, rank: Int, worldSize: Int) -> String? {
        var out = ""
        var rest = template[...]
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let after = rest.index(after: open)
            if after < rest.endIndex, rest[after] == "{" { out += "{"; rest = rest[rest.index(after: after)...]; continue }
            guard let close = rest[after...].firstIndex(of: "}") else { return nil }
            guard let value = value(of: String(rest[after..<close]), rank: rank, worldSize: worldSize) else { return nil }
            out += value
            rest = rest[rest.index(after: close)...]
        }
        return out + rest.replacingOccurrences(of: "}}", with: "}")
    }

    /// One f-string field: a keyword argument (optionally `:.Nf`/`:.Ne`), or the rank/world size
    /// as torch.distributed and torchrun's env report them. nil when it is anything else.
    private func value(of field: String, rank: Int, worldSize: Int) -> String? {
        let parts = field.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        let expression = parts.first ?? ""
        let spec = parts.count > 1 ? parts[1] : ""
        let raw: String
        switch expression.replacingOccurrences(of: "'", with: "\"") {
        case "dist.get_rank()", "torch.distributed.get_rank()", "os.environ[\"RANK\"]", "os.getenv(\"RANK\")":
            raw = String(rank)
        case "dist.get_world_size()", "torch.distributed.get_world_size()", "os.environ[\"WORLD_SIZE\"]",
             "os.getenv(\"WORLD_SIZE\")":
            raw = String(worldSize)
        default:
            guard let literal = keywords[expression] else { return nil }
            raw = Self.printed(literal)
        }
        if spec.isEmpty { return raw }
        guard let number = Double(raw), spec.hasPrefix("."), let kind = spec.last, "fe".contains(kind),
              let digits = Int(spec.dropFirst().dropLast()) else { return nil }
        return String(format: "%.\(digits)\(kind)", number)
    }

    /// How Python's str() shows a literal: quotes dropped from strings, the rest as written.
    static func printed(_ literal: String) -> String {
        let t = literal.trimmingCharacters(in: .whitespaces)
        if t.count >= 2, let q = t.first, q == "'" || q == "\"", t.last == q { return String(t.dropFirst().dropLast()) }
        return t
    }

    /// The string literals passed to `print(...)`, in order.
    static func printedLiterals(_ script: String) -> [Literal] {
        var out: [Literal] = []
        var rest = script[...]
        while let r = rest.range(of: "print(") {
            rest = rest[r.upperBound...]
            var s = rest.drop { $0 == " " }
            let formatted = s.first == "f"
            if formatted { s = s.dropFirst() }
            guard let quote = s.first, quote == "\"" || quote == "'" else { continue }
            let body = s.dropFirst().prefix { $0 != quote && $0 != "\n" }
            if !body.isEmpty { out.append(Literal(text: String(body), formatted: formatted)) }
        }
        return out
    }
}
