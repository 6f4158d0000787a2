import ArgumentParser
import Foundation
import HTTPServing
import HTTPTransport
import HostCore

/// `serve --http HOST:PORT`: MCP Streamable HTTP instead of stdio.
struct HTTPServeOptions: ParsableArguments {
    @Option(name: .customLong("http"),
            help: ArgumentHelp("Serve MCP Streamable HTTP at http://HOST:PORT/mcp instead of stdio (PORT 0: any free port).",
                               valueName: "HOST:PORT"))
    var address: String?

    @Option(help: ArgumentHelp("Who may connect: 'kubernetes' (Bearer token → TokenReview, act as that user by impersonation) or 'tokens:FILE'. Without it only loopback may be bound.",
                               valueName: "MODE"))
    var auth: String?

    @Option(help: ArgumentHelp("Per-user policy: user:NAME=PERSONA, group:NAME=PERSONA, or =FILE for a policy file (repeatable; first match wins).",
                               valueName: "RULE"))
    var userPolicy: [String] = []

    @Option(help: ArgumentHelp("A browser Origin allowed to call when bound beyond loopback (repeatable).", valueName: "ORIGIN"))
    var allowOrigin: [String] = []

    @Option(help: ArgumentHelp("Serve HTTPS with this certificate (PEM; with --tls-key).", valueName: "FILE"))
    var tlsCert: String?

    @Option(help: ArgumentHelp("The certificate's private key (PEM).", valueName: "FILE"))
    var tlsKey: String?

    @Option(help: "Most sessions open at once.")
    var maxSessions = 100

    @Option(help: "Most tools/call running at once in one session.")
    var maxCallsPerSession = 16

    @Option(help: "Most tools/call one user runs at once, across their sessions (more: 429 with Retry-After).")
    var maxCallsPerUser = 16

    @Option(help: "Most sessions one user has open (more: 429 with Retry-After).")
    var maxSessionsPerUser = 10

    @Option(help: "On SIGTERM: seconds calls in flight get to finish (keep below the pod's terminationGracePeriodSeconds, 30 by default).")
    var drainSeconds = 20

    @Option(help: "Seconds a connection has, from its first wait after the last answered request, to send the next request's headers and body (else it is closed: trickled headers, an idle keep-alive).")
    var readTimeout = 10

    @Option(help: "Seconds to read and answer one HTTP request (a call's event stream, once open, is not bounded by it).")
    var requestTimeout = 15

    @Option(help: "Largest request body in bytes.")
    var maxRequestBytes = 1 << 20

    @Option(help: "Seconds after which an idle session ends.")
    var idleTimeout = 1800

    @Option(help: "Seconds a session id stays valid on any replica (it is signed and carries its expiry).")
    var sessionLifetime = 86_400

    @Option(help: ArgumentHelp("The Secret holding the key that signs session ids and confirmation tokens, shared by the replicas (created if absent); 'none': a key of this process only.",
                               valueName: "NAME"))
    var signingKeySecret = SigningKeySecret.defaultName

    @Option(help: ArgumentHelp("The signing key Secret's namespace (else the pod's own, else the kubeconfig's).", valueName: "NAMESPACE"))
    var signingKeyNamespace: String?

    /// Host and port from HOST:PORT or [V6]:PORT.
    func parsedAddress() throws -> (host: String, port: UInt16) {
        guard let address, let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else {
            throw ValidationError("--http needs HOST:PORT, e.g. 127.0.0.1:8080 or 0.0.0.0:8080 (got '\(address ?? "")')")
        }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty || host == "localhost" { host = "127.0.0.1" }
        return (host, port)
    }

    static func isLoopback(_ host: String) -> Bool { host.hasPrefix("127.") || host == "::1" }

    /// Wrong flags stop before plugins load or a cluster is contacted.
    func validate() throws {
        guard address != nil else {
            if auth != nil || tlsCert != nil || !userPolicy.isEmpty {
                throw ValidationError("--auth, --tls-cert and --user-policy apply to --http HOST:PORT only")
            }
            return
        }
        if let auth, auth != "kubernetes" && !(auth.hasPrefix("tokens:") && auth.count > 7) {
            throw ValidationError("--auth must be 'kubernetes' or 'tokens:FILE' (got '\(auth)')")
        }
        let (host, _) = try parsedAddress()
        guard auth != nil || Self.isLoopback(host) else {
            throw ValidationError("--http \(host): without --auth only a loopback address (127.0.0.1, ::1) may be bound; add --auth kubernetes or --auth tokens:FILE")
        }
        guard (tlsCert == nil) == (tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together: give both (PEM files) or neither")
        }
        if tlsCert != nil && host.contains(":") {
            throw ValidationError("--tls-cert: HTTPS listens on IPv4 addresses only; use e.g. 0.0.0.0:8443")
        }
        guard maxSessions > 0, maxCallsPerSession > 0, maxRequestBytes > 0, idleTimeout > 0, maxCallsPerUser > 0,
            maxSessionsPerUser > 0, readTimeout > 0, requestTimeout > 0, drainSeconds >= 0, sessionLifetime > 0
        else {
            throw ValidationError("--max-sessions, --max-calls-per-session, --max-calls-per-user, --max-sessions-per-user, --max-request-bytes, --idle-timeout, --session-lifetime, --read-timeout and --request-timeout must be positive; --drain-seconds at least 0")
        }
        if signingKeySecret != "none", let problem = KubeNames.subdomainProblem(signingKeySecret) {
            throw ValidationError("--signing-key-secret '\(signingKeySecret)': \(problem) (or 'none')")
        }
        if let namespace = signingKeyNamespace, let problem = KubeNames.labelProblem(namespace) {
            throw ValidationError("--signing-key-namespace '\(namespace)': \(problem)")
        }
    }

    func authenticator(cluster: ClusterIdentity) throws -> any Authenticator {
        switch auth {
        case nil: return LocalOnlyAuthenticator()
        case "kubernetes"?: return KubernetesTokenAuthenticator(cluster: { cluster.access })
        case let mode? where mode.hasPrefix("tokens:"):
            do { return try TokenFileAuthenticator(path: String(mode.dropFirst("tokens:".count))) } catch {
                throw ValidationError("--auth \(mode): \(error.message)")
            }
        case let mode?:
            throw ValidationError("--auth must be 'kubernetes' or 'tokens:FILE' (got '\(mode)')")
        }
    }

    /// What replicas share through the cluster: the signing key (a Secret) and
    /// the records of used confirmation tokens and ended sessions. Without a
    /// cluster, or with --signing-key-secret none, this process's own.
    func sharedState(environment: CallEnvironment) throws -> (keyring: SigningKeyring, records: any OnceRecords, secret: SigningKeySecret?) {
        let keyring = SigningKeyring()
        let cluster = environment.cluster.access
        guard signingKeySecret != "none", !(cluster is NoCluster) else {
            environment.log.info("signing with a key of this process only: sessions and confirmation tokens work on this replica alone", source: "http")
            return (keyring, LocalOnceRecords(), nil)
        }
        let podNamespace = (try? String(contentsOfFile: "/var/run/secrets/kubernetes.io/serviceaccount/namespace", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let namespace = signingKeyNamespace ?? podNamespace.flatMap { $0.isEmpty ? nil : $0 } ?? cluster.defaultNamespace
        let secret = SigningKeySecret(cluster: cluster, namespace: namespace, name: signingKeySecret, keyring: keyring, log: environment.log)
        do { try secret.start() } catch {
            throw ValidationError("--signing-key-secret \(namespace)/\(signingKeySecret): \(error.message)")
        }
        return (keyring, ClusterOnceRecords(cluster: cluster, namespace: namespace), secret)
    }

    /// Serves until SIGINT/SIGTERM; prints the URL on stderr once listening.
    func serve(environment: CallEnvironment, serverLimits: ServerLimits) async throws {
        try validate()
        let (host, port) = try parsedAddress()
        let loopback = Self.isLoopback(host)
        let policies: UserPolicies
        do { policies = try UserPolicies.parse(userPolicy, tools: environment.registry.orderedTools) } catch {
            throw ValidationError(error.message)
        }
        var limits = MCPHTTPEndpoint.Limits()
        limits.maxSessions = maxSessions
        limits.maxCallsPerSession = maxCallsPerSession
        limits.maxCallsPerUser = maxCallsPerUser
        limits.maxSessionsPerUser = maxSessionsPerUser
        limits.maxBodyBytes = maxRequestBytes
        limits.idleSeconds = TimeInterval(idleTimeout)
        limits.sessionLifetime = TimeInterval(sessionLifetime)
        let shared = try sharedState(environment: environment)
        environment.confirmations.share(keyring: shared.keyring, records: shared.records)
        let endpoint = MCPHTTPEndpoint(environment: environment, authenticator: try authenticator(cluster: environment.cluster),
                                       userPolicies: policies, limits: limits, serverLimits: serverLimits,
                                       origins: loopback ? .loopback : .only(allowOrigin),
                                       keyring: shared.keyring, records: shared.records)
        let tls = tlsCert.map { TLSOptions(certificatePath: $0, keyPath: tlsKey ?? "") }
        let server: MCPHTTPServer
        var timeouts = MCPHTTPServer.Timeouts()
        timeouts.readSeconds = TimeInterval(readTimeout)
        timeouts.requestSeconds = TimeInterval(requestTimeout)
        do { server = try MCPHTTPServer(endpoint: endpoint, host: host, port: port, tls: tls, timeouts: timeouts) } catch {
            throw ValidationError("--http \(address ?? ""): \(error)")
        }
        let serving = Task { try await server.run() }
        let actualPort = try await server.waitUntilListening()
        let shown = host.contains(":") ? "[\(host)]" : host
        FileHandle.standardError.write(Data("kubeflow-mcp: serving MCP at \(tls == nil ? "http" : "https")://\(shown):\(actualPort)/mcp (auth: \(auth ?? "none, loopback only"))\n".utf8))
        // SIGTERM (a rollout, a scale-down): drain; SIGINT (a person at a terminal): stop now.
        let drain = TimeInterval(drainSeconds)
        let signals = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler {
                if number == SIGTERM {
                    FileHandle.standardError.write(Data("kubeflow-mcp: SIGTERM: draining (unready, no new sessions; calls in flight get \(drainSeconds) s)\n".utf8))
                    Task { await server.drain(seconds: drain) }
                } else {
                    Task { await server.stop() }
                }
            }
            source.resume()
            return source
        }
        _ = try? await serving.value
        signals.forEach { $0.cancel() }
        withExtendedLifetime(shared.secret) {}
    }
}
