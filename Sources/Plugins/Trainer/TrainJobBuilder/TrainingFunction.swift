import PluginKit

/// The source of one Python training function, prepared as the SDK prepares
/// `inspect.getsource(func)`: dedented, ending with a newline, its name known.
struct TrainingFunction: Equatable, Sendable {
    var name: String
    var source: String
    /// Parameter names in signature order; used to order func_args like the caller wrote them.
    var parameters: [String]

    /// Reads `code`. With `name`, that top-level function must be defined in it;
    /// without, the code must define exactly one top-level function.
    static func parse(_ code: String, name: String?) throws -> TrainingFunction {
        let source = dedent(code)
        let functions = topLevelFunctions(source)
        guard !functions.isEmpty else {
            throw ToolError("func must be the Python source of a function (def train(...): ...); no top-level def was found.",
                            field: "func")
        }
        let chosen: String
        if let name {
            guard functions.contains(name) else {
                throw ToolError("func_name \(name) is not defined at the top level of func; it defines \(functions.joined(separator: ", ")).",
                                field: "func_name")
            }
            chosen = name
        } else {
            guard functions.count == 1 else {
                throw ToolError("func defines several functions (\(functions.joined(separator: ", "))); pass func_name to say which one trains.",
                                field: "func_name")
            }
            chosen = functions[0]
        }
        var text = source
        if !text.hasSuffix("\n") { text += "\n" }
        return TrainingFunction(name: chosen, source: text, parameters: parameters(of: chosen, in: source))
    }

    /// Python's textwrap.dedent: strip the common leading whitespace of non-blank
    /// lines; whitespace-only lines become empty.
    static func dedent(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let indents = lines.filter { !$0.allSatisfy { $0 == " " || $0 == "\t" } }
            .map { String($0.prefix { $0 == " " || $0 == "\t" }) }
        var common = indents.first ?? ""
        for indent in indents.dropFirst() {
            while !indent.hasPrefix(common) { common.removeLast() }
        }
        return lines.map { line in
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { return "" }
            return String(line.dropFirst(common.count))
        }.joined(separator: "\n")
    }

    /// Names of functions defined at column 0 (`def x(` or `async def x(`).
    static func topLevelFunctions(_ source: String) -> [String] {
        source.split(separator: "\n").compactMap { line -> String? in
            var rest = Substring(line)
            if rest.hasPrefix("async ") { rest = rest.dropFirst("async ".count) }
            guard rest.hasPrefix("def ") else { return nil }
            let name = rest.dropFirst(4).prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            return name.isEmpty ? nil : String(name)
        }
    }

    /// The parameter names of `def name(...)`, without `*`/`**` and annotations.
    static func parameters(of name: String, in source: String) -> [String] {
        guard let defRange = source.firstRange(of: "def \(name)(") else { return [] }
        var depth = 0
        var current = ""
        var names: [String] = []
        func flush() {
            let trimmed = current.drop { $0 == " " || $0 == "\n" || $0 == "*" || $0 == "\t" }
            let ident = trimmed.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            if !ident.isEmpty && ident != "self" { names.append(String(ident)) }
            current = ""
        }
        for ch in source[defRange.upperBound...] {
            switch ch {
            case "(", "[", "{": depth += 1; current.append(ch)
            case ")" where depth == 0: flush(); return names
            case ")", "]", "}": depth -= 1; current.append(ch)
            case "," where depth == 0: flush()
            default: current.append(ch)
            }
        }
        return names
    }

    /// func_args ordered by the function's signature, unknown keys after, sorted;
    /// the keys in `last` after all the others, ordered the same way.
    func orderedArguments(_ args: [String: JSON], last: Set<String> = []) -> [(String, JSON)] {
        func ordered(_ keys: Set<String>) -> [String] {
            parameters.filter { keys.contains($0) } + keys.filter { !parameters.contains($0) }.sorted()
        }
        let keys = Set(args.keys)
        return (ordered(keys.subtracting(last)) + ordered(keys.intersection(last))).map { ($0, args[$0]!) }
    }
}
