import CYAML
import Foundation

/// YAML text → YAMLNode through Debian's libyaml (the parser; composing the
/// tree, resolving aliases and typing scalars is ours). Every document we read
/// is someone else's text (a kubeconfig, a policy, a plugins.d entry, a token
/// file), so reading is bounded: its size, its nesting, and what its aliases
/// expand to (a "billion laughs" document is refused, not expanded).
public enum YAMLReader {
    public static let maxBytes = 16 << 20
    public static let maxDepth = 200
    /// Nodes after alias expansion.
    public static let maxNodes = 1_000_000

    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// The only document of `text`; nil when it holds none (an empty file).
    public static func compose(_ text: String) throws(Problem) -> YAMLNode? {
        let documents = try composeAll(text)
        guard documents.count <= 1 else {
            throw Problem(description: "expected a single document, found \(documents.count) (separated by ---)")
        }
        return documents.first
    }

    /// Every document of `text` (a multi-document stream).
    public static func composeAll(_ text: String) throws(Problem) -> [YAMLNode] {
        var bytes = Array(text.utf8)
        guard bytes.count <= maxBytes else {
            throw Problem(description: "the document is \(bytes.count) bytes; at most \(maxBytes) are read")
        }
        if bytes.isEmpty { bytes = [0x0A] }  // libyaml wants a non-empty buffer
        return try bytes.withUnsafeBufferPointer { (buffer) throws(Problem) -> [YAMLNode] in
            var composer = Composer()
            return try composer.run(buffer)
        }
    }

    /// `compose(text)?.any`: Foundation values (String, Int, Double, Bool, NSNull, arrays, [String: Any]).
    public static func load(_ text: String) throws(Problem) -> Any? {
        try compose(text)?.any
    }

    /// An empty plain scalar, as a missing mapping reads.
    public static var empty: YAMLNode { YAMLNode(plain: "") }
}

/// libyaml's events to nodes, with an explicit stack (no recursion on the document's depth).
private struct Composer {
    enum Frame {
        case sequence([YAMLNode], anchor: String?, mark: YAMLNode.Mark)
        case mapping([(key: YAMLNode, value: YAMLNode)], pendingKey: YAMLNode?, anchor: String?, mark: YAMLNode.Mark)
    }

    var stack: [Frame] = []
    var anchors: [String: YAMLNode] = [:]
    var documents: [YAMLNode] = []
    var root: YAMLNode?
    var nodes = 0

    mutating func run(_ buffer: UnsafeBufferPointer<UInt8>) throws(YAMLReader.Problem) -> [YAMLNode] {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw YAMLReader.Problem(description: "libyaml could not start") }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else { throw Self.problem(parser) }
            defer { yaml_event_delete(&event) }
            let mark = YAMLNode.Mark(line: event.start_mark.line + 1, column: event.start_mark.column + 1)
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return documents
            case YAML_DOCUMENT_START_EVENT:
                anchors = [:]
                root = nil
            case YAML_DOCUMENT_END_EVENT:
                if let root { documents.append(root) }
            case YAML_SCALAR_EVENT:
                let s = event.data.scalar
                let text = String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)
                let type: ScalarType
                if let tag = Self.text(s.tag), tag != "!" {
                    type = ScalarType(tag: tag)
                } else {
                    type = s.style == YAML_PLAIN_SCALAR_STYLE && s.tag == nil ? ScalarType.of(text) : .str
                }
                try add(YAMLNode(.scalar(text, type), mark: mark), anchor: Self.text(s.anchor))
            case YAML_ALIAS_EVENT:
                let name = Self.text(event.data.alias.anchor) ?? ""
                guard let node = anchors[name] else {
                    throw YAMLReader.Problem(description: "\(mark): unknown alias *\(name)")
                }
                try add(node, anchor: nil)
            case YAML_SEQUENCE_START_EVENT:
                try push(.sequence([], anchor: Self.text(event.data.sequence_start.anchor), mark: mark), at: mark)
            case YAML_MAPPING_START_EVENT:
                try push(.mapping([], pendingKey: nil, anchor: Self.text(event.data.mapping_start.anchor), mark: mark), at: mark)
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                switch stack.removeLast() {
                case .sequence(let items, let anchor, let start):
                    try add(YAMLNode(.sequence(items), mark: start), anchor: anchor)
                case .mapping(let pairs, _, let anchor, let start):
                    try add(YAMLNode(.mapping(.init(pairs: Self.merged(pairs))), mark: start), anchor: anchor)
                }
            default:
                continue
            }
        }
    }

    mutating func push(_ frame: Frame, at mark: YAMLNode.Mark) throws(YAMLReader.Problem) {
        guard stack.count < YAMLReader.maxDepth else {
            throw YAMLReader.Problem(description: "\(mark): nested deeper than \(YAMLReader.maxDepth) levels")
        }
        stack.append(frame)
    }

    mutating func add(_ node: YAMLNode, anchor: String?) throws(YAMLReader.Problem) {
        nodes += node.weight
        guard nodes <= YAMLReader.maxNodes else {
            throw YAMLReader.Problem(description: "\(node.mark.map { "\($0): " } ?? "")the document expands to more than "
                                     + "\(YAMLReader.maxNodes) nodes (aliases repeating aliases?)")
        }
        if let anchor { anchors[anchor] = node }
        guard let top = stack.popLast() else {
            root = node
            return
        }
        switch top {
        case .sequence(var items, let a, let m):
            items.append(node)
            stack.append(.sequence(items, anchor: a, mark: m))
        case .mapping(var pairs, let key, let a, let m):
            if let key {
                pairs.append((key, node))
                stack.append(.mapping(pairs, pendingKey: nil, anchor: a, mark: m))
            } else {
                stack.append(.mapping(pairs, pendingKey: node, anchor: a, mark: m))
            }
        }
    }

    /// `<<: *base` (or a list of them): the merged mappings' keys, after the mapping's own.
    static func merged(_ pairs: [(key: YAMLNode, value: YAMLNode)]) -> [(key: YAMLNode, value: YAMLNode)] {
        guard pairs.contains(where: { $0.key.type == .merge }) else { return pairs }
        var own = pairs.filter { $0.key.type != .merge }
        for (key, value) in pairs where key.type == .merge {
            for source in value.mapping.map({ [$0] }) ?? value.sequence?.compactMap(\.mapping) ?? [] {
                for pair in source where !own.contains(where: { $0.key.string == pair.key.string }) { own.append(pair) }
            }
        }
        return own
    }

    static func text(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        p.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }

    static func problem(_ parser: yaml_parser_t) -> YAMLReader.Problem {
        let what = parser.problem.map { String(cString: $0) } ?? "not YAML"
        let context = parser.context.map { String(cString: $0) + " " } ?? ""
        let mark = parser.problem_mark
        return YAMLReader.Problem(description: "line \(mark.line + 1), column \(mark.column + 1): \(context)\(what)")
    }
}
