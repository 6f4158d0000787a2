import Foundation
import HostBase
import HostCalls
import HostPlugins
import KFJSON

/// tools/list results as bytes, one per distinct view of the tools: sessions
/// whose policies show the same tools, asking confirmation of the same ones,
/// share one serialization (over HTTP each session used to build its own
/// 35 KB). The view's signature is the tool names with those two facts and the
/// loaded plugin each comes from, so a changed tool set, or a plugin loaded
/// again, is a new entry (an entry keeps its plugins, so their addresses in the
/// signature are not reused while it exists).
final class ToolListings: @unchecked Sendable {
    static let shared = ToolListings()
    private let lock = NSLock()
    private var listings: [String: (result: Data, plugins: [LoadedPlugin])] = [:]

    /// The `result` of tools/list for this caller's view.
    func result(for invoker: ToolInvoker, tools: [ToolSpec]) -> Data {
        let policy = invoker.policy
        let shown = tools.filter(policy.allows)
        var plugins: [LoadedPlugin] = []
        var signature = ""
        for spec in shown {
            let plugin = invoker.registry.tools[spec.name]?.plugin
            if let plugin { plugins.append(plugin) }
            signature += spec.name
            signature += invoker.mayAskConfirmation(spec) ? " + " : " - "
            signature += plugin.map { "\(ObjectIdentifier($0).hashValue)\n" } ?? "\n"
        }
        if let known = lock.withLock({ listings[signature]?.result }) { return known }
        let taskSupport = TaskCatalog(invoker.registry)
        let listed = shown.map { spec in
            var tool = MCPServer.toolJSON(spec, inputSchema: invoker.listedSchema(spec), outputSchema: invoker.listedOutputSchema(spec))
            tool["execution"] = taskSupport.execution(spec.name)  // MCP tasks: absent means forbidden
            return tool
        }
        let built = Data((["tools": .array(listed)] as JSON).serialized().utf8)
        lock.withLock {
            if listings.count >= 64 { listings.removeAll() }  // a bound: policies are few, but the set is not trusted to be
            listings[signature] = (built, plugins)
        }
        return built
    }
}
