import Foundation
import KFJSON

/// A parsed `labelSelector`: `a=b,c!=d,e in (x, y),f notin (z),g,!h`.
struct LabelSelector: Sendable {
    enum Requirement: Sendable {
        case equals(String, String)
        case notEquals(String, String)
        case isIn(String, Set<String>)
        case notIn(String, Set<String>)
        case exists(String)
        case doesNotExist(String)
    }

    let requirements: [Requirement]

    init(parsing text: String) throws(APIError) {
        var reqs: [Requirement] = []
        for term in LabelSelector.splitTerms(text) {
            reqs.append(try LabelSelector.parseTerm(term))
        }
        requirements = reqs
    }

    func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { req in
            switch req {
            case .equals(let k, let v): return labels[k] == v
            case .notEquals(let k, let v): return labels[k] != v
            case .isIn(let k, let values): return labels[k].map(values.contains) ?? false
            case .notIn(let k, let values): return !(labels[k].map(values.contains) ?? false)
            case .exists(let k): return labels[k] != nil
            case .doesNotExist(let k): return labels[k] == nil
            }
        }
    }

    /// Splits on commas that are not inside `( )`.
    private static func splitTerms(_ text: String) -> [String] {
        var terms: [String] = []
        var current = ""
        var depth = 0
        for ch in text {
            switch ch {
            case "(": depth += 1; current.append(ch)
            case ")": depth -= 1; current.append(ch)
            case "," where depth == 0: terms.append(current); current = ""
            default: current.append(ch)
            }
        }
        terms.append(current)
        return terms.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private static func parseTerm(_ term: String) throws(APIError) -> Requirement {
        if let open = term.firstIndex(of: "("), term.hasSuffix(")") {
            let head = term[..<open].trimmingCharacters(in: .whitespaces)
            let values = Set(term[term.index(after: open)..<term.index(before: term.endIndex)]
                .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
            let parts = head.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2 else { throw badSelector(term) }
            switch parts[1] {
            case "in": return .isIn(String(parts[0]), values)
            case "notin": return .notIn(String(parts[0]), values)
            default: throw badSelector(term)
            }
        }
        if let range = term.range(of: "!=") {
            return .notEquals(trim(term[..<range.lowerBound]), trim(term[range.upperBound...]))
        }
        if let range = term.range(of: "==") ?? term.range(of: "=") {
            return .equals(trim(term[..<range.lowerBound]), trim(term[range.upperBound...]))
        }
        if term.hasPrefix("!") { return .doesNotExist(trim(term.dropFirst())) }
        guard !term.contains(" ") else { throw badSelector(term) }
        return .exists(term)
    }

    private static func trim(_ s: Substring) -> String { s.trimmingCharacters(in: .whitespaces) }

    private static func badSelector(_ term: String) -> APIError {
        APIError.badRequest("unable to parse requirement: found '\(term)', expected: in, notin, =, ==, !=, gt, lt")
    }
}

/// A parsed `fieldSelector`: `metadata.name=x,status.phase!=Running`. Fields are read
/// from the object by dotted path, so `involvedObject.name` works for events too.
struct FieldSelector: Sendable {
    struct Requirement: Sendable {
        let path: [String]
        let value: String
        let negated: Bool
    }

    let requirements: [Requirement]

    init(parsing text: String) throws(APIError) {
        var reqs: [Requirement] = []
        for raw in text.split(separator: ",") {
            let term = raw.trimmingCharacters(in: .whitespaces)
            if term.isEmpty { continue }
            let negated: Bool
            let range: Range<String.Index>
            if let r = term.range(of: "!=") { negated = true; range = r }
            else if let r = term.range(of: "==") ?? term.range(of: "=") { negated = false; range = r }
            else { throw APIError.badRequest("invalid selector: '\(term)'; can't understand '\(term)'") }
            let field = term[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
            reqs.append(Requirement(path: field.split(separator: ".").map(String.init),
                                    value: term[range.upperBound...].trimmingCharacters(in: .whitespaces),
                                    negated: negated))
        }
        requirements = reqs
    }

    /// kube-apiserver answers 400 for a field it cannot select on: custom resources only
    /// know `metadata.name` (and `metadata.namespace` when namespaced) unless their CRD declares
    /// `selectableFields` (the Trainer and Katib CRDs declare none); core kinds have their own lists.
    func check(for type: ResourceType) throws(APIError) {
        let (known, customConversion) = FieldSelector.selectable(type)
        for req in requirements {
            let field = req.path.joined(separator: ".")
            guard !known.contains(field) else { continue }
            if customConversion { throw APIError.badRequest("field label not supported: \(field)") }
            throw APIError.badRequest("\"\(field)\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")
        }
    }

    /// The fields each kind accepts, and whether it has its own conversion function (whose error
    /// reads "field label not supported") rather than apimachinery's default one.
    private static func selectable(_ type: ResourceType) -> (Set<String>, Bool) {
        let meta: Set<String> = type.namespaced ? ["metadata.name", "metadata.namespace"] : ["metadata.name"]
        switch type {
        case ResourceCatalog.pods:
            return (meta.union(["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                                "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs",
                                "status.nominatedNodeName"]), true)
        case ResourceCatalog.events:
            return (meta.union(["involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                                "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
                                "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"]), true)
        case ResourceCatalog.secrets: return (meta.union(["type"]), true)
        case ResourceCatalog.namespaces: return (meta.union(["status.phase"]), true)
        case ResourceCatalog.nodes: return (meta.union(["spec.unschedulable"]), true)
        case ResourceCatalog.jobs: return (meta.union(["status.successful"]), true)
        default:
            // Custom resources (crConverter) word it like the kinds with their own conversion.
            return (type.isCustom ? meta : ["metadata.name", "metadata.namespace"], type.isCustom)
        }
    }

    /// The single `metadata.name=x` the selector pins, if any (lets watch and list skip a scan).
    var pinnedName: String? {
        requirements.first { $0.path == ["metadata", "name"] && !$0.negated }?.value
    }

    func matches(_ object: JSON) -> Bool {
        requirements.allSatisfy { req in
            let actual: String
            switch object.value(at: req.path) {
            case .string(let s)?: actual = s
            case .int(let i)?: actual = String(i)
            case .bool(let b)?: actual = b ? "true" : "false"
            default: actual = ""
            }
            return (actual == req.value) != req.negated
        }
    }
}
