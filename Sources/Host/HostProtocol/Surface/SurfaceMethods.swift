import Foundation
import HostBase
import HostCalls
import HostKubeGate
import HostPlugins
import KFJSON
import KubeClient

/// The MCP methods beyond tools for one session: resources (with templates
/// and subscriptions), prompts and completions, all served by the plugins'
/// declared handler tools (SurfaceCatalog).
final class SurfaceMethods: @unchecked Sendable {
    static let methods: Set<String> = ["resources/list", "resources/templates/list", "resources/read", "resources/subscribe",
                                       "resources/unsubscribe", "prompts/list", "prompts/get", "completion/complete"]
    /// Subscriptions one session may hold.
    static let maxSubscriptions = 64

    let resources: ResourceService
    let prompts: PromptService
    let completions: CompletionService
    /// Sends a structured Kubernetes request through this session's gate (for the shared watches).
    private let send: SubscriptionHub.Send
    private let notify: @Sendable (JSON) -> Void
    private let hub: SubscriptionHub
    private let lock = NSLock()
    private var subscribed: Set<String> = []

    init(catalog: SurfaceCatalog, hub: SubscriptionHub = .shared, send: @escaping SubscriptionHub.Send,
         notify: @escaping @Sendable (JSON) -> Void) {
        resources = ResourceService(catalog: catalog)
        prompts = PromptService(catalog: catalog)
        completions = CompletionService(catalog: catalog)
        self.hub = hub
        self.send = send
        self.notify = notify
    }

    /// What `initialize` advertises: only what the loaded plugins serve (the policy resource always).
    static func capabilities(_ registry: PluginRegistry) -> [String: JSON] {
        let surfaces = registry.plugins.map(\.surface)
        var caps: [String: JSON] = ["resources": ["subscribe": .bool(surfaces.contains { $0.templates.contains { $0.watch != nil } }),
                                                  "listChanged": false]]
        if surfaces.contains(where: { !$0.prompts.isEmpty }) { caps["prompts"] = ["listChanged": false] }
        if surfaces.contains(where: { !$0.completions.isEmpty }) { caps["completions"] = [:] }
        return caps
    }

    func handle(_ method: String, _ params: JSON) async -> Result<JSON, SurfaceError> {
        switch method {
        case "resources/list": return await resources.list(cursor: params["cursor"])
        case "resources/templates/list": return .success(resources.templates())
        case "resources/read":
            guard let uri = params["uri"]?.string else { return .failure(.invalid("resources/read needs params.uri")) }
            return await resources.read(uri: uri)
        case "resources/subscribe":
            guard let uri = params["uri"]?.string else { return .failure(.invalid("resources/subscribe needs params.uri")) }
            return await subscribe(uri)
        case "resources/unsubscribe":
            guard let uri = params["uri"]?.string else { return .failure(.invalid("resources/unsubscribe needs params.uri")) }
            lock.withLock { _ = subscribed.remove(uri) }
            hub.remove(owner: ObjectIdentifier(self), uri: uri)
            return .success([:])
        case "prompts/list": return .success(prompts.list())
        case "prompts/get": return await prompts.get(params)
        case "completion/complete": return await completions.complete(params)
        default: return .failure(SurfaceError(code: -32601, message: "Method not found: '\(method)'"))
        }
    }

    /// A resource whose template declares its Kubernetes collection.
    private func subscribe(_ uri: String) async -> Result<JSON, SurfaceError> {
        let m: ResourceService.Match
        if uri == PolicyResource.uri { return .failure(.invalid("'\(uri)' is fixed for the session; there is nothing to subscribe to")) }
        switch resources.match(uri) {
        case .failure(let e): return .failure(e)
        case .success(let found): m = found
        }
        guard let watch = m.template?.watch, let namespace = m.values[watch.namespaceVariable], let name = m.values[watch.nameVariable] else {
            return .failure(.invalid("'\(uri)' does not change on its own; resources/subscribe takes URIs of templates that declare a watch"))
        }
        let already = lock.withLock { subscribed.contains(uri) }
        guard already || lock.withLock({ subscribed.count }) < Self.maxSubscriptions else {
            return .failure(.invalid("this session has \(Self.maxSubscriptions) subscriptions, the most it may hold; unsubscribe from one first"))
        }
        // Refused where a read would be: the handler's policy and namespace, then the object itself
        // through this caller's gate (policy, credentials): it must exist and be theirs to see. Not the
        // handler's answer: a job's logs do not exist before its pods, the job does.
        let catalog = resources.catalog
        guard catalog.allows(tool: m.read.tool) else { return .failure(.notFound("Resource not found: '\(uri)' is not available under policy '\(catalog.policy.name)'")) }
        if let refusal = catalog.namespaceRefusal(m.values) { return .failure(refusal) }
        let object = send(["verb": "get", "group": .string(watch.group), "version": .string(watch.version),
                           "resource": .string(watch.resource), "namespace": .string(namespace), "name": .string(name)], nil)
        guard (200..<300).contains(object.status) else {
            let why = object.errorMessage ?? "the API server answered \(object.status)"
            return .failure(object.status == 404 ? .notFound("Resource not found: '\(uri)': \(why)") : .invalid("cannot subscribe to '\(uri)': \(why)"))
        }
        lock.withLock { _ = subscribed.insert(uri) }
        let notify = self.notify
        hub.add(SubscriptionHub.Key(group: watch.group, version: watch.version, resource: watch.resource, namespace: namespace),
                name: name, uri: uri, owner: ObjectIdentifier(self),
                notify: { uri in notify(["jsonrpc": "2.0", "method": "notifications/resources/updated", "params": ["uri": .string(uri)]]) },
                send: send)
        return .success([:])
    }

    /// The session ended: its subscriptions go.
    func close() { hub.remove(owner: ObjectIdentifier(self)) }
}
