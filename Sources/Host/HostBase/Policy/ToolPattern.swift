import Foundation

/// One entry of a policy's allow/deny list:
/// `category:<name>`, `risk:<level>`, or a tool-name glob such as `delete_*`.
public enum ToolPattern: Sendable, Equatable, CustomStringConvertible {
    case category(String)
    case risk(ToolRisk)
    case glob(String)

    public enum ParseError: Error { case unknownRisk(String), empty, badCharacters(String) }

    public init(parsing text: String) throws(ParseError) {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty else { throw .empty }
        if t.hasPrefix("category:") {
            self = .category(String(t.dropFirst("category:".count)))
        } else if t.hasPrefix("risk:") {
            let level = String(t.dropFirst("risk:".count))
            guard let risk = ToolRisk(rawValue: level) else { throw .unknownRisk(level) }
            self = .risk(risk)
        } else {
            guard t.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "_" || $0 == "*" || $0 == "?" }) else {
                throw .badCharacters(t)
            }
            self = .glob(t)
        }
    }

    public func matches(_ tool: ToolSpec) -> Bool {
        switch self {
        case .category(let c): return tool.category == c
        case .risk(let r): return tool.risk == r
        case .glob(let g): return fnmatch(g, tool.name, 0) == 0
        }
    }

    public var description: String {
        switch self {
        case .category(let c): return "category:\(c)"
        case .risk(let r): return "risk:\(r.rawValue)"
        case .glob(let g): return g
        }
    }
}
