import Foundation
import HostBase
import HostCalls
import HostPlugins
import KFJSON

/// A JSON-RPC error answer of the surface methods.
struct SurfaceError: Error {
    var code: Int
    var message: String
    static func invalid(_ m: String) -> SurfaceError { SurfaceError(code: -32602, message: m) }
    /// MCP's "resource not found".
    static func notFound(_ m: String) -> SurfaceError { SurfaceError(code: -32002, message: m) }
}

/// The plugins' resources, templates, prompts and completions as one caller
/// may see them, and the one way they are served: a call of the entry's
/// handler tool through the ToolInvoker (policy, ownership, validation,
/// redaction, audit). An entry whose handler the caller's policy hides is
/// not listed and cannot be used, exactly like the tool.
struct SurfaceCatalog: Sendable {
    let invoker: ToolInvoker

    var registry: PluginRegistry { invoker.registry }
    var policy: Policy { invoker.policy }
    /// The namespaces resources/list and completions look in.
    func namespaces() -> [String] { invoker.usableNamespaces }

    var surfaces: [MCPSurface] { registry.plugins.map(\.surface) }

    func allows(tool: String) -> Bool {
        registry.tools[tool].map { policy.allows($0.spec) } ?? false
    }

    /// Whether values taken from a URI or completion context name a namespace the policy forbids.
    func namespaceRefusal(_ values: [String: String]) -> SurfaceError? {
        guard let ns = values["namespace"], !policy.allowsNamespace(ns) else { return nil }
        return .invalid("namespace '\(ns)' is not allowed by policy '\(policy.name)'")
    }

    /// The handler's structured result (its text when it has none).
    func call(_ handler: MCPSurface.Handler, _ values: [String: String] = [:], extra: [String: JSON] = [:]) async -> Result<JSON, SurfaceError> {
        guard allows(tool: handler.tool) else { return .failure(.notFound("not available under policy '\(policy.name)'")) }
        var arguments = handler.arguments(with: values)
        for (k, v) in extra { arguments[k] = v }
        let result = await invoker.call(name: handler.tool, arguments: arguments, progress: nil, elicit: nil)
        if result.isError { return .failure(SurfaceError(code: -32603, message: result.text)) }
        return .success(result.structured ?? .string(result.text))
    }
}
