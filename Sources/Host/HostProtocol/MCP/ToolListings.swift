import Foundation
import HostBase
import HostCalls
import KFJSON

/// tools/list results as bytes, one per distinct view of the tools: sessions
/// whose policies show the same tools, asking confirmation of the same ones,
/// share one serialization (over HTTP each session used to build its own
/// 35 KB). The view's signature is the tool names with those two facts, so a
/// changed tool set is a new entry; `invalidate` drops them all (a reload that
/// changes a tool's schema under the same name).
final class ToolListings: @unchecked Sendable {
    static let shared = ToolListings()
    private let lock = NSLock()
    private var listings: [String: Data] = [:]

    /// The `result` of tools/list for this caller's view.
    func result(for invoker: ToolInvoker, tools: [ToolSpec]) -> Data {
        let policy = invoker.policy
        let shown = tools.filter(policy.allows)
        var signature = ""
        for spec in shown {
            signature += spec.name
            signature += invoker.mayAskConfirmation(spec) ? "+\n" : "\n"
        }
        if let known = lock.withLock({ listings[signature] }) { return known }
        let listed = shown.map { spec in
            MCPServer.toolJSON(spec, inputSchema: invoker.listedSchema(spec), outputSchema: invoker.listedOutputSchema(spec))
        }
        let built = Data((["tools": .array(listed)] as JSON).serialized().utf8)
        lock.withLock {
            if listings.count >= 64 { listings.removeAll() }  // a bound: policies are few, but the set is not trusted to be
            listings[signature] = built
        }
        return built
    }

    func invalidate() { lock.withLock { listings.removeAll() } }
}
