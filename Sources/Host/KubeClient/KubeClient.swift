import CCurl
import Foundation

/// The host's authenticated Kubernetes REST client.
///
/// Thread-safe and blocking: plugins' requests arrive on many threads at once,
/// each borrows a libcurl handle from a pool (keeping connections alive between
/// requests). Credentials are attached here, 429/5xx answers to GET/HEAD are
/// retried with backoff, and every failure becomes a `KubeError` a person can act on.
public final class KubeClient: Sendable {
    public let config: ResolvedKubeConfig
    private let pool = CurlHandlePool()
    private let credentials: CredentialProvider
    private let retryPolicy: RetryPolicy
    /// The URL base and CONNECT_TO entry, computed once (tls-server-name rewrites the host).
    private let urlBase: String
    private let connectTo: String?

    static let defaultTimeoutMs = 30_000
    static let maxConnectTimeoutMs = 10_000

    public convenience init(config: ResolvedKubeConfig) {
        self.init(config: config, retryPolicy: RetryPolicy())
    }

    /// Resolves the configuration like kubectl and builds a client for it.
    public convenience init(options: KubeConfigOptions) throws {
        self.init(config: try ResolvedKubeConfig.resolve(options))
    }

    init(config: ResolvedKubeConfig, retryPolicy: RetryPolicy) {
        CurlRuntime.ensureInitialized()
        self.config = config
        self.retryPolicy = retryPolicy
        credentials = CredentialProvider(config: config)
        if let serverName = config.tls.serverName,
           let rewritten = RequestURL.applyingServerName(serverName, to: config.server) {
            urlBase = rewritten.server
            connectTo = rewritten.connectTo
        } else {
            urlBase = config.server
            connectTo = nil
        }
    }

    /// Sends one request and returns the whole answer.
    public func send(_ request: KubeRequest) -> KubeResponse {
        execute(request, defaultTimeoutMs: Self.defaultTimeoutMs, onLine: nil)
    }

    /// Sends a request whose answer is a stream of lines (`watch=true`,
    /// `pods/log?follow=true`). `onLine` gets each line, without its newline, as
    /// it arrives; returning false stops the stream. The response has no body on
    /// success; on an HTTP error the body is the error answer and no line is delivered.
    public func stream(_ request: KubeRequest, onLine: (String) -> Bool) -> KubeResponse {
        withoutActuallyEscaping(onLine) { onLine in
            execute(request, defaultTimeoutMs: 0, onLine: onLine)
        }
    }

    private func execute(_ request: KubeRequest, defaultTimeoutMs: Int,
                         onLine: ((String) -> Bool)?) -> KubeResponse {
        let timeoutMs = max(request.timeoutMs ?? defaultTimeoutMs, 0)
        let context = errorContext(for: request)
        var attempt = 1
        var refreshedCredentials = false
        while true {
            let requestCredentials: RequestCredentials
            do {
                requestCredentials = try credentials.current()
            } catch {
                return KubeResponse(status: 0, error: error)
            }
            let setup = transferSetup(request, credentials: requestCredentials, timeoutMs: timeoutMs)
            guard let outcome = pool.withHandle({ CurlTransfer.perform(setup, on: $0, onLine: onLine) }) else {
                return KubeResponse(status: 0, error: KubeError(reason: "Unreachable",
                                                                message: "libcurl could not create a handle."))
            }
            guard outcome.completed else {
                return KubeResponse(status: 0, error: TransportErrorMapper.map(outcome, timeoutMs: timeoutMs,
                                                                               context: context))
            }
            // A 401 means the request was not processed, so one repeat with fresh
            // credentials is safe for any method.
            if outcome.status == 401, !refreshedCredentials, credentials.canRefresh {
                refreshedCredentials = true
                credentials.invalidate()
                continue
            }
            if retryPolicy.shouldRetry(request, status: outcome.status, attempt: attempt) {
                Thread.sleep(forTimeInterval: retryPolicy.delay(attempt: attempt,
                                                                retryAfter: outcome.headers["retry-after"]))
                attempt += 1
                continue
            }
            let error = outcome.status >= 400
                ? StatusErrorMapper.map(status: outcome.status, body: outcome.body, attempts: attempt, context: context)
                : nil
            return KubeResponse(status: outcome.status, body: outcome.body, error: error)
        }
    }

    private func transferSetup(_ request: KubeRequest, credentials: RequestCredentials,
                               timeoutMs: Int) -> TransferSetup {
        // The gate lets only known media types through; no header value reaches the wire with a line break anyway.
        var headers = ["Accept: " + Self.headerSafe(request.accept ?? "application/json")]
        if request.body != nil {
            headers.append("Content-Type: " + Self.headerSafe(request.contentType ?? "application/json"))
        }
        if let token = credentials.bearerToken {
            headers.append("Authorization: Bearer " + token)
        }
        if let who = request.impersonate {
            // Names come from the TokenReview, never from a client; no header may carry a line break.
            headers.append("Impersonate-User: " + Self.headerSafe(who.user))
            headers += who.groups.map { "Impersonate-Group: " + Self.headerSafe($0) }
        }
        let connectTimeout = timeoutMs > 0 ? min(timeoutMs, Self.maxConnectTimeoutMs) : Self.maxConnectTimeoutMs
        return TransferSetup(
            method: request.method,
            url: RequestURL.build(server: urlBase, path: request.path, query: request.query),
            headers: headers, body: request.body, timeoutMs: timeoutMs, connectTimeoutMs: connectTimeout,
            tls: config.tls, clientCertificate: credentials.clientCertificate, basic: credentials.basic,
            proxy: config.proxyURL, connectTo: connectTo)
    }

    private static func headerSafe(_ value: String) -> String {
        String(value.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F })
    }

    private func errorContext(for request: KubeRequest) -> ErrorContext {
        ErrorContext(method: request.method, path: request.path, server: config.server,
                     contextName: config.contextName, clusterName: config.clusterName,
                     userName: config.userName, authMethod: config.authMethod,
                     certificateAuthorityOrigin: config.tls.certificateAuthorityOrigin,
                     hasClientCertificate: config.tls.clientCertificate != nil || config.authMethod == "exec")
    }
}
