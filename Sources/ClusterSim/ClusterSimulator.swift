import FlyingFox
import HTTPServing
import FlyingSocks
import Foundation
import KFJSON

/// A Kubernetes API server with Kubeflow Trainer installed, in-process, on loopback.
///
/// It is the cluster the tests run against and the one a newcomer gets with no real
/// Kubernetes (`kubeflow-mcp sim`, `serve --sim`). Plain HTTP, or HTTPS with
/// optional client certificates (`start(port:tls:)`: a TLS front door relays to
/// the HTTP server on an internal loopback port).
///
///     let sim = try ClusterSimulator()
///     let url = try await sim.start()          // http://127.0.0.1:<random port>
///     try sim.writeKubeconfig(to: "/tmp/kubeconfig")
///     ...
///     await sim.stop()
public final class ClusterSimulator: Sendable {
    /// Default speed: one simulated second per 1/10 real second (a TrainJob takes about 13 s).
    public static let defaultTimeScale = 10.0

    public let seed: SimSeed
    public let timeScale: Double

    private let store = ObjectStore()
    private let logs = LogStore()
    private let handler: APIHandler
    private let controller: TrainJobController
    private let katib: KatibController
    private let running = Locked<Running?>(nil)

    private struct Running {
        let server: HTTPServer
        let task: Task<Void, any Error>
        let url: URL
        /// With TLS: the front door on the public port, and the server certificate (PEM).
        let frontDoor: TLSFrontDoor?
        let certificatePEM: String?
    }

    /// Builds the cluster from `seed` (the bundled default when nil). `timeScale` is how many
    /// simulated seconds pass per real second; tests use 100 or more so a job runs in ~1–2 s.
    public init(seed: SimSeed? = nil, timeScale: Double = ClusterSimulator.defaultTimeScale) throws {
        let seed = try seed ?? SimSeed.default
        self.seed = seed
        self.timeScale = timeScale
        handler = APIHandler(store: store, logs: logs, admission: try Admission.loadBundled(),
                             authorizer: Authorizer(users: seed.users,
                                                    anonymous: seed.users.first { $0.name == seed.anonymousUser }))
        controller = TrainJobController(store: store, logs: logs, timeScale: timeScale,
                                        privateRegistries: seed.privateRegistries,
                                        trainJobStatusGate: seed.featureGates["TrainJobStatus"] ?? false)
        let admission = handler.admission, webhooks = handler.webhooks
        katib = KatibController(store: store, logs: logs) { type, object in
            let admitted = try admission.admit(type, webhooks.mutate(type, object, old: nil), old: nil)
            try webhooks.check(type, admitted)
            return admitted
        }
        for (type, object) in try SeedObjects.all(seed) {
            var obj = object
            if type.namespaced && obj.namespace.isEmpty { obj.set("default", at: ["metadata", "namespace"]) }
            let admitted = try handler.admission.admit(type, handler.webhooks.mutate(type, obj, old: nil), old: nil)
            try handler.webhooks.check(type, admitted)
            try store.create(type, admitted)
        }
    }

    /// Starts serving on 127.0.0.1 (`port` 0 picks a free one) and returns the base URL:
    /// http://, or https:// when `tls` is given.
    @discardableResult
    public func start(port: UInt16 = 0, tls: TLSOptions? = nil) async throws -> URL {
        if let url = running.withLock({ $0?.url }) { return url }
        let handler = self.handler
        // With TLS the HTTP server listens on an internal port and the front door on the public one.
        let context = try tls.map(ServerTLSContext.init)
        let server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: context == nil ? port : UInt16(0)), timeout: 3600,
                                pool: NoDelaySocketPool(base: HTTPServer.defaultPool()), logger: .disabled,
                                handler: ClosureHTTPHandler { request in await handler.handle(request) })
        let task = Task { try await server.run() }
        try await server.waitUntilListening(timeout: 10)
        guard case .ip4(_, let actualPort)? = await server.listeningAddress else {
            task.cancel()
            throw SimulatorError(description: "cluster simulator: could not read the listening port")
        }
        var frontDoor: TLSFrontDoor?
        if let context {
            do {
                frontDoor = try TLSFrontDoor(tls: context, port: port, upstreamPort: actualPort, peers: handler.certificatePeers)
            } catch {
                await server.stop(timeout: 0)
                task.cancel()
                throw error
            }
        }
        let publicPort = frontDoor?.port ?? actualPort
        let url = URL(string: "\(frontDoor == nil ? "http" : "https")://127.0.0.1:\(publicPort)")!
        handler.serverAddress.withLock { $0 = "127.0.0.1:\(publicPort)" }
        running.withLock {
            $0 = Running(server: server, task: task, url: url, frontDoor: frontDoor, certificatePEM: context?.certificatePEM)
        }
        frontDoor?.start()
        controller.start()
        katib.start()
        return url
    }

    /// Starts from synchronous code (a CLI command): blocks until the server listens.
    /// Must not be called from inside an async task that the server itself needs.
    @discardableResult
    public func startBlocking(port: UInt16 = 0, tls: TLSOptions? = nil) throws -> URL {
        let result = Locked<Result<URL, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            let outcome: Result<URL, any Error>
            do { outcome = .success(try await self.start(port: port, tls: tls)) } catch { outcome = .failure(error) }
            result.withLock { $0 = outcome }
            done.signal()
        }
        done.wait()
        return try result.withLock { $0! }.get()
    }

    /// Stops serving, ends open watches and log streams, and stops the controller.
    public func stop() async {
        guard let current = running.withLock({ r -> Running? in defer { r = nil }; return r }) else { return }
        current.frontDoor?.stop()
        controller.stop()
        katib.stop()
        store.finishAllWatches()
        logs.finishAll()
        await current.server.stop(timeout: 1)
        current.task.cancel()
    }

    /// The base URL while running.
    public var url: URL? { running.withLock { $0?.url } }

    /// The server certificate (PEM) while serving TLS: what clients must trust.
    public var serverCertificatePEM: String? { running.withLock { $0?.certificatePEM } }

    /// Makes the next requests fail (429, 500, delay, dropped connection). Faults queue up.
    public func inject(_ fault: SimFault) { handler.faults.inject(fault) }

    public func clearFaults() { handler.faults.clear() }

    /// Serve /_sim/requests and /_sim/faults (see SimControl) for tests that
    /// run the simulator in its own process.
    public func enableTestControl() { handler.control.enable() }

    /// HTTP requests served so far (for benchmarks: "API requests made").
    public var requestCount: Int { handler.requestCount }

    public func resetRequestCount() { handler.resetRequestCount() }

    /// Users from the seed, e.g. to pick a token for a test client.
    public var users: [SimUser] { seed.users }

    /// The token of the seed's first user (the admin in the default seed).
    public var adminToken: String { seed.users.first?.token ?? "" }

    /// Writes a kubeconfig with one cluster, one bearer-token user and one context
    /// (namespace `default`), current. `token` defaults to the admin's. Over TLS the
    /// cluster trusts the server certificate (certificate-authority-data).
    public func writeKubeconfig(to path: String, user: String? = nil, token: String? = nil,
                                namespace: String = "default", contextName: String = "kubeflow-sim") throws {
        guard let url else { throw SimulatorError(description: "cluster simulator: start() it before writing a kubeconfig") }
        let chosen = token.flatMap { t in seed.users.first { $0.token == t } }
            ?? user.flatMap { u in seed.users.first { $0.name == u } } ?? seed.users.first
        let text = Kubeconfig.render(server: url.absoluteString,
                                     certificateAuthorityData: serverCertificatePEM.map { Data($0.utf8).base64EncodedString() },
                                     userName: chosen?.name ?? "admin",
                                     token: token ?? chosen?.token ?? "", namespace: namespace, context: contextName)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }

    // MARK: Direct access (tests and the CLI's status output)

    /// Creates an object directly, bypassing HTTP and RBAC (validation still applies).
    @discardableResult
    public func create(_ object: JSON) throws -> JSON {
        guard let type = SeedObjects.type(of: object) else {
            throw SimulatorError(description: "cluster simulator: unknown kind \(object["kind"]?.string ?? "?")")
        }
        do {
            let admitted = try handler.admission.admit(type, handler.webhooks.mutate(type, object, old: nil), old: nil)
            try handler.webhooks.check(type, admitted)
            return try store.create(type, admitted).object
        }
        catch { throw SimulatorError(description: error.message) }
    }
}

public struct SimulatorError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// kubeconfig YAML (written by hand: a fixed, small shape).
enum Kubeconfig {
    static func render(server: String, certificateAuthorityData: String? = nil, userName: String, token: String,
                       namespace: String, context: String) -> String {
        let authority = certificateAuthorityData.map { "\n    certificate-authority-data: \($0)" } ?? ""
        return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: \(context)
          cluster:
            server: \(server)\(authority)
        users:
        - name: \(userName)
          user:
            token: \(token)
        contexts:
        - name: \(context)
          context:
            cluster: \(context)
            user: \(userName)
            namespace: \(namespace)
        current-context: \(context)
        preferences: {}

        """
    }
}
