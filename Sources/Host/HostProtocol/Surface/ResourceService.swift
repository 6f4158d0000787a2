import Foundation
import HostBase
import HostPlugins
import KFJSON

/// resources/list, resources/templates/list and resources/read.
struct ResourceService: Sendable {
    let catalog: SurfaceCatalog
    static let pageSize = 50

    /// A URI this server serves, matched to its entry and variable values.
    struct Match {
        var plugin: MCPSurface
        var about: MCPSurface.Described
        var read: MCPSurface.Handler
        var values: [String: String]
        var template: MCPSurface.Template?
    }

    func templates() -> JSON {
        var list: [JSON] = []
        for s in catalog.surfaces {
            for t in s.templates where catalog.allows(tool: t.read.tool) {
                var o = Self.describe(t.about)
                o["uriTemplate"] = .string(t.template.text)
                list.append(o)
            }
        }
        return ["resourceTemplates": .array(list)]
    }

    /// Every resource the caller may see, in a stable order, one page at a time.
    func list(cursor: JSON?) async -> Result<JSON, SurfaceError> {
        var offset = 0
        if let cursor, cursor != .null {
            guard let text = cursor.string, let n = Self.offset(text) else {
                return .failure(.invalid("params.cursor is not a cursor this server gave (start again without one)"))
            }
            offset = n
        }
        var all: [JSON] = [PolicyResource.listing]
        for s in catalog.surfaces {
            for r in s.resources where catalog.allows(tool: r.read.tool) {
                var o = Self.describe(r.about)
                o["uri"] = .string(r.uri)
                all.append(o)
            }
            for t in s.templates where catalog.allows(tool: t.read.tool) {
                guard let listing = t.list, catalog.allows(tool: listing.handler.tool) else { continue }
                all += await instances(t, listing)
            }
        }
        guard offset <= all.count else { return .failure(.invalid("params.cursor is past the end of the list (start again without one)")) }
        let page = Array(all[offset..<min(all.count, offset + Self.pageSize)])
        var result: JSON = ["resources": .array(page)]
        if offset + Self.pageSize < all.count { result["nextCursor"] = .string(Self.cursor(offset + Self.pageSize)) }
        return .success(result)
    }

    /// A template's instances: its list tool, once per namespace the caller may use when it has {namespace}.
    private func instances(_ t: MCPSurface.Template, _ listing: MCPSurface.Listing) async -> [JSON] {
        let namespaces: [String?] = t.template.variables.contains("namespace") ? catalog.namespaces() : [nil]
        var out: [JSON] = []
        for ns in namespaces {
            let values = ns.map { ["namespace": $0] } ?? [:]
            guard case .success(let result) = await catalog.call(listing.handler, values) else { continue }
            for item in result[listing.items]?.array ?? [] {
                var vars = values
                for (variable, field) in listing.fields {
                    if let v = item[field]?.string ?? (variable == "namespace" ? ns : nil) { vars[variable] = v }
                }
                guard let uri = t.template.expand(vars) else { continue }
                var o = Self.describe(t.about)
                o["uri"] = .string(uri)
                o["name"] = .string(t.template.variables.compactMap { vars[$0] }.joined(separator: "/"))
                if let title = t.about.title { o["title"] = .string("\(title): \(uri)") }
                out.append(o)
            }
        }
        return out
    }

    /// The entry a URI names, its values checked with the host's name rules before any handler sees them.
    func match(_ uri: String) -> Result<Match, SurfaceError> {
        guard uri.utf8.count <= 2048 else { return .failure(.invalid("params.uri is longer than 2048 bytes")) }
        for s in catalog.surfaces {
            if let r = s.resources.first(where: { $0.uri == uri }) {
                return .success(Match(plugin: s, about: r.about, read: r.read, values: [:], template: nil))
            }
        }
        for s in catalog.surfaces {
            for t in s.templates {
                switch t.template.match(uri) {
                case nil: continue
                case .failure(let why)?: return .failure(.invalid("params.uri '\(uri.prefix(200))': \(why.message)"))
                case .success(let values)?:
                    return .success(Match(plugin: s, about: t.about, read: t.read, values: values, template: t))
                }
            }
        }
        return .failure(.notFound("Resource not found: '\(uri.prefix(200))' is no resource of this server (resources/templates/list shows the URI shapes)"))
    }

    func read(uri: String) async -> Result<JSON, SurfaceError> {
        if uri == PolicyResource.uri { return .success(contents(uri, "application/json", PolicyResource.json(catalog.policy).serialized())) }
        let m: Match
        switch match(uri) {
        case .failure(let e): return .failure(e)
        case .success(let found): m = found
        }
        guard catalog.allows(tool: m.read.tool) else { return .failure(.notFound("Resource not found: '\(uri)' is not available under policy '\(catalog.policy.name)'")) }
        if let refusal = catalog.namespaceRefusal(m.values) { return .failure(refusal) }
        switch await catalog.call(m.read, m.values) {
        case .failure(let e): return .failure(e)
        case .success(let result): return .success(contents(uri, m.about.mimeType, Self.text(result, field: m.about.contentField)))
        }
    }

    private func contents(_ uri: String, _ mime: String, _ text: String) -> JSON {
        ["contents": [["uri": .string(uri), "mimeType": .string(mime), "text": .string(text)]]]
    }

    static func text(_ result: JSON, field: String?) -> String {
        guard let field, let value = result[field] else { return result.string ?? result.serialized() }
        if let s = value.string { return s }
        if let lines = value.array, lines.allSatisfy({ $0.string != nil }) { return lines.compactMap(\.string).joined(separator: "\n") }
        return value.serialized()
    }

    static func describe(_ about: MCPSurface.Described) -> JSON {
        var o: JSON = ["name": .string(about.name), "mimeType": .string(about.mimeType)]
        if let t = about.title { o["title"] = .string(t) }
        if let d = about.description { o["description"] = .string(d) }
        return o
    }

    /// Cursors are opaque to clients: "o" and an offset, checked on the way back.
    static func cursor(_ offset: Int) -> String { "o\(offset)" }
    static func offset(_ cursor: String) -> Int? {
        guard cursor.utf8.count <= 12, cursor.hasPrefix("o"), let n = Int(cursor.dropFirst()), n >= 0 else { return nil }
        return n
    }
}

/// The host's own resource: the policy in force for this caller.
enum PolicyResource {
    static let uri = "kfmcp://policy"
    static let listing: JSON = [
        "uri": .string(uri), "name": "policy", "title": "Policy in force", "mimeType": "application/json",
        "description": "What this session may do: tools allowed and denied, namespaces, read-only, confirmation.",
    ]
    static func json(_ p: Policy) -> JSON {
        func patterns(_ l: [ToolPattern]) -> JSON { .array(l.map { .string($0.description) }) }
        return ["name": .string(p.name), "allow": patterns(p.allow), "deny": patterns(p.deny),
                "namespaces": p.namespaces.map { .array($0.map { .string($0) }) } ?? .null,
                "read_only": .bool(p.readOnly), "own_objects_only": patterns(p.ownObjectsOnly),
                "require_confirmation": patterns(p.requireConfirmation), "skip_confirmation": patterns(p.skipConfirmation)]
    }
}
