import Foundation
import HostBase
import HostPlugins
import KFJSON

/// completion/complete: candidates for a prompt argument or a template
/// variable from the handler tool the plugin declared, filtered by the typed
/// prefix and, for namespaces, by the policy; at most 100 (MCP's bound).
struct CompletionService: Sendable {
    let catalog: SurfaceCatalog
    static let maxValues = 100

    func complete(_ params: JSON) async -> Result<JSON, SurfaceError> {
        let ref: MCPSurface.Reference
        switch (params["ref"]?["type"]?.string, params["ref"]?["name"]?.string, params["ref"]?["uri"]?.string) {
        case ("ref/prompt", let name?, _): ref = .prompt(name)
        case ("ref/resource", _, let uri?): ref = .resource(uri)
        default: return .failure(.invalid("completion/complete needs params.ref: {\"type\": \"ref/prompt\", \"name\"} or {\"type\": \"ref/resource\", \"uri\"}"))
        }
        guard let argument = params["argument"]?["name"]?.string, let prefix = params["argument"]?["value"]?.string else {
            return .failure(.invalid("completion/complete needs params.argument: {\"name\", \"value\"}"))
        }
        guard prefix.utf8.count <= 256 else { return .failure(.invalid("params.argument.value is longer than 256 bytes")) }
        // Other arguments already chosen; only valid names pass into a handler.
        var context: [String: String] = [:]
        for (k, v) in params["context"]?["arguments"]?.object ?? [:] {
            if let s = v.string, URITemplate.isValue(s) { context[k] = s }
        }
        if let refusal = catalog.namespaceRefusal(context) { return .failure(refusal) }
        let entries = catalog.surfaces.flatMap(\.completions).filter { $0.ref == ref && $0.argument == argument && catalog.allows(tool: $0.handler.tool) }
        var values: [String] = []
        for entry in entries {
            for ns in context["namespace"].map({ [$0] }) ?? (entry.handler.arguments.values.contains(.string("{namespace}")) ? catalog.namespaces() : [""]) {
                var vars = context
                if !ns.isEmpty { vars["namespace"] = ns }
                guard case .success(let result) = await catalog.call(entry.handler, vars) else { continue }
                values += Self.candidates(result, items: entry.items, field: entry.field)
            }
        }
        // The namespaces this caller may use are the host's to know.
        if argument == "namespace" && entries.isEmpty { values = catalog.namespaces() }
        var seen = Set<String>()
        let matching = values.filter { $0.hasPrefix(prefix) && seen.insert($0).inserted }
            .filter { argument != "namespace" || catalog.policy.allowsNamespace($0) }
        return .success(["completion": ["values": .array(matching.prefix(Self.maxValues).map { .string($0) }),
                                        "total": .int(matching.count), "hasMore": .bool(matching.count > Self.maxValues)]])
    }

    static func candidates(_ result: JSON, items: String?, field: String?) -> [String] {
        (result[items ?? "values"]?.array ?? []).compactMap { item in
            if let field { return item[field]?.string }
            return item.string
        }
    }
}
