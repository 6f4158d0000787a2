import Foundation
import KFJSON

/// PATCH bodies the simulator understands, by Content-Type.
enum PatchKind: Sendable {
    case merge          // application/merge-patch+json (RFC 7386)
    case json           // application/json-patch+json (RFC 6902)
    case strategicMerge // application/strategic-merge-patch+json: treated as a merge patch (lists replaced); built-in kinds only
    case apply          // application/apply-patch+yaml: server-side apply (ServerSideApply.swift)

    init?(contentType: String) {
        let media = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        switch media {
        case "application/merge-patch+json": self = .merge
        case "application/json-patch+json": self = .json
        case "application/strategic-merge-patch+json": self = .strategicMerge
        case "application/apply-patch+yaml": self = .apply
        default: return nil
        }
    }
}

enum Patch {
    static func apply(_ kind: PatchKind, patch: JSON, to target: JSON) throws(APIError) -> JSON {
        switch kind {
        case .merge, .strategicMerge, .apply: return mergePatch(target, patch)
        case .json: return try jsonPatch(target, patch)
        }
    }

    /// RFC 7386: objects merge recursively, null deletes, everything else replaces.
    static func mergePatch(_ target: JSON, _ patch: JSON) -> JSON {
        guard case .object(let patchObject) = patch else { return patch }
        var result = target.object ?? [:]
        for (key, value) in patchObject {
            if value == .null { result.removeValue(forKey: key) }
            else { result[key] = mergePatch(result[key] ?? .null, value) }
        }
        return .object(result)
    }

    /// RFC 6902 operations: add, remove, replace, move, copy, test.
    static func jsonPatch(_ target: JSON, _ patch: JSON) throws(APIError) -> JSON {
        guard let ops = patch.array else { throw APIError.badRequest("json patch must be an array of operations") }
        var doc = target
        for op in ops {
            guard let name = op["op"]?.string, let path = op["path"]?.string else {
                throw APIError.badRequest("json patch operation needs \"op\" and \"path\"")
            }
            let pointer = try parsePointer(path)
            switch name {
            case "add": doc = try add(doc, pointer, try value(op))
            case "remove": doc = try remove(doc, pointer).0
            case "replace":
                _ = try get(doc, pointer)
                doc = try add(try remove(doc, pointer).0, pointer, try value(op))
            case "move":
                let from = try parsePointer(op["from"]?.string ?? "")
                let (without, moved) = try remove(doc, from)
                doc = try add(without, pointer, moved)
            case "copy":
                let from = try parsePointer(op["from"]?.string ?? "")
                doc = try add(doc, pointer, try get(doc, from))
            case "test":
                guard try get(doc, pointer) == (try value(op)) else {
                    throw APIError(code: 422, reason: "Invalid", message: "the server rejected our request due to an error in our request: test operation failed at \(path)")
                }
            default: throw APIError.badRequest("Unexpected kind: \(name)")
            }
        }
        return doc
    }

    private static func value(_ op: JSON) throws(APIError) -> JSON {
        guard let v = op["value"] else { throw APIError.badRequest("json patch operation needs \"value\"") }
        return v
    }

    private static func parsePointer(_ path: String) throws(APIError) -> [String] {
        if path.isEmpty { return [] }
        guard path.hasPrefix("/") else { throw APIError.badRequest("invalid JSON pointer: \(path)") }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    private static func missing(_ tokens: [String]) -> APIError {
        APIError(code: 422, reason: "Invalid",
                 message: "the server rejected our request due to an error in our request: doc is missing path: /"
                     + tokens.joined(separator: "/"))
    }

    private static func get(_ doc: JSON, _ tokens: [String]) throws(APIError) -> JSON {
        var current = doc
        for token in tokens {
            switch current {
            case .object(let o):
                guard let next = o[token] else { throw missing(tokens) }
                current = next
            case .array(let a):
                guard let i = Int(token), a.indices.contains(i) else { throw missing(tokens) }
                current = a[i]
            default: throw missing(tokens)
            }
        }
        return current
    }

    private static func add(_ doc: JSON, _ tokens: [String], _ value: JSON) throws(APIError) -> JSON {
        guard let head = tokens.first else { return value }
        let rest = Array(tokens.dropFirst())
        switch doc {
        case .object(var o):
            if rest.isEmpty { o[head] = value }
            else {
                guard let child = o[head] else { throw missing(tokens) }
                o[head] = try add(child, rest, value)
            }
            return .object(o)
        case .array(var a):
            if rest.isEmpty {
                if head == "-" { a.append(value); return .array(a) }
                guard let i = Int(head), i >= 0, i <= a.count else { throw missing(tokens) }
                a.insert(value, at: i)
                return .array(a)
            }
            guard let i = Int(head), a.indices.contains(i) else { throw missing(tokens) }
            a[i] = try add(a[i], rest, value)
            return .array(a)
        default: throw missing(tokens)
        }
    }

    private static func remove(_ doc: JSON, _ tokens: [String]) throws(APIError) -> (JSON, JSON) {
        guard let head = tokens.first else { throw missing(tokens) }
        let rest = Array(tokens.dropFirst())
        switch doc {
        case .object(var o):
            guard let child = o[head] else { throw missing(tokens) }
            if rest.isEmpty { o.removeValue(forKey: head); return (.object(o), child) }
            let (newChild, removed) = try remove(child, rest)
            o[head] = newChild
            return (.object(o), removed)
        case .array(var a):
            guard let i = Int(head), a.indices.contains(i) else { throw missing(tokens) }
            if rest.isEmpty { let removed = a.remove(at: i); return (.array(a), removed) }
            let (newChild, removed) = try remove(a[i], rest)
            a[i] = newChild
            return (.array(a), removed)
        default: throw missing(tokens)
        }
    }
}
