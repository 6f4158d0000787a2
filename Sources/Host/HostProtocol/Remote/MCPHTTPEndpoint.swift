import Foundation
import HostBase
import HostCalls
import HostKubeGate
import HostPlugins
import KFJSON
import MCP

/// MCP Streamable HTTP (protocol 2025-11-25) at one endpoint, independent of
/// the HTTP server that carries it (the CLI's adapter converts requests and
/// streams responses): authentication, Origin checks, sessions bound to the
/// credential that opened them, limits and idle expiry. Each session is an
/// MCPServer over an HTTPSessionTransport — the same tools, policy and audit
/// as stdio, acting for the session's user.
///
/// The session id is the session: a signed, expiring envelope (SigningKeyring)
/// carrying the credential binding and what initialize settled. A replica that
/// receives a session it has not seen (behind a balancer, after a restart)
/// checks the signature and continues it; DELETE is recorded in `records`, so
/// an ended session ends on every replica.
public final class MCPHTTPEndpoint: @unchecked Sendable {
    public struct Limits: Sendable {
        public var maxSessions = 100
        public var maxBodyBytes = 1 << 20
        public var maxCallsPerSession = 16
        /// One user's share: calls running across all their sessions, and sessions open.
        public var maxCallsPerUser = 16
        public var maxSessionsPerUser = 10
        public var idleSeconds: TimeInterval = 1800
        /// How long a session id stays valid, wherever it is used (`--session-lifetime`).
        public var sessionLifetime: TimeInterval = 86_400
        public init() {}
    }

    /// Which browser origins may call (DNS-rebinding defence).
    public enum Origins: Sendable {
        /// Bound to loopback: Host and Origin must be localhost/127.0.0.1/[::1].
        case loopback
        /// Bound elsewhere: an Origin header, when sent, must be one of these.
        case only([String])
    }

    private final class Session: @unchecked Sendable {
        let id: String
        let user: RemoteUser
        let transport: HTTPSessionTransport
        let server: MCPServer
        let expires: Date
        var lastUsed = Date()
        /// When the cluster was last asked whether another replica ended this session.
        var checked = Date()
        init(id: String, user: RemoteUser, transport: HTTPSessionTransport, server: MCPServer, expires: Date) {
            self.id = id
            self.user = user
            self.transport = transport
            self.server = server
            self.expires = expires
        }
    }

    /// What each session's pipeline is made with (its Caller added).
    let environment: CallEnvironment
    let authenticator: any Authenticator
    let userPolicies: UserPolicies
    public let limits: Limits
    let origins: Origins
    public let metrics = HTTPMetrics()
    /// Running calls per user, taken atomically against `limits.maxCallsPerUser`.
    let callShares: CallShares
    private let lock = NSLock()
    private var sessions: [String: Session] = [:]
    /// Sessions this replica ended (idle expiry), until their ids expire: not resumed here.
    private var ended: [String: Date] = [:]
    /// Signs session ids; shared by the replicas (see SigningKeySecret).
    let keyring: SigningKeyring
    /// Where ended sessions are recorded for every replica.
    let records: any OnceRecords
    /// Set on SIGTERM: unready, and new sessions are refused so the balancer sends them elsewhere.
    private var draining = false
    /// Set when the server stops: its sessions go on elsewhere, so requests get a 503 to retry there.
    private var closed = false

    /// Each session's server bounds: the same call deadlines as stdio (`--call-timeout`).
    let serverLimits: ServerLimits

    public init(environment: CallEnvironment, authenticator: any Authenticator, userPolicies: UserPolicies = UserPolicies(),
                limits: Limits = Limits(), serverLimits: ServerLimits = ServerLimits(), origins: Origins,
                keyring: SigningKeyring = SigningKeyring(), records: any OnceRecords = LocalOnceRecords()) {
        self.keyring = keyring
        self.records = records
        self.serverLimits = serverLimits
        self.environment = environment
        self.authenticator = authenticator
        self.userPolicies = userPolicies
        self.limits = limits
        self.callShares = CallShares(limit: limits.maxCallsPerUser)
        self.origins = origins
    }

    public var sessionCount: Int { lock.withLock { sessions.count } }

    /// tools/call requests running in every session.
    public var runningCalls: Int { lock.withLock { sessions.values.reduce(0) { $0 + $1.transport.streams.runningCalls } } }

    /// Stops taking new sessions (and fails /readyz); existing sessions are still served.
    public func beginDrain() { lock.withLock { draining = true } }
    public var isDraining: Bool { lock.withLock { draining } }

    /// One HTTP request to the MCP endpoint.
    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let method = request.method.uppercased()
        let sessionID = request.header(HTTPHeaderName.sessionID)
        if let refusal = checkOrigin(request) { return refusal }
        if lock.withLock({ closed }) {
            return .error(statusCode: 503, .invalidRequest("Service Unavailable: this server is shutting down; send the request again (another replica will answer)"),
                          extraHeaders: ["Retry-After": "1", "Connection": "close"])
        }
        let user: RemoteUser
        switch await authenticator.check(authorization: request.header(HTTPHeaderName.authorization)) {
        case .user(let known): user = known
        case .refused:
            return .error(statusCode: 401,
                          .invalidRequest("Unauthorized: send 'Authorization: Bearer <token>' (see --auth)"),
                          extraHeaders: [HTTPHeaderName.wwwAuthenticate: "Bearer realm=\"kubeflow-mcp\""])
        case .throttled(let seconds):
            metrics.refused(.authentication)
            return .error(statusCode: 429, .invalidRequest("Too Many Requests: many tokens failed to authenticate just now; try again shortly"),
                          extraHeaders: ["Retry-After": "\(seconds)"])
        }
        switch method {
        case "POST": return await post(request, user: user, sessionID: sessionID)
        case "GET":
            if let refusal = validate(request, method: method, initializing: false) { return refusal }
            let session: Session
            switch await find(sessionID, user: user) {
            case .success(let found): session = found
            case .failure(let refusal): return refusal.response
            }
            let lastEventID = request.header(HTTPHeaderName.lastEventID)
            guard let stream = session.transport.streams.openStandalone(resumingAfter: lastEventID) else {
                return lastEventID == nil
                    ? .error(statusCode: 409, .invalidRequest("Conflict: this session already has a GET stream"), sessionID: session.id)
                    : .error(statusCode: 400, .invalidRequest("Bad Request: unknown Last-Event-ID '\(lastEventID!)'"), sessionID: session.id)
            }
            return .stream(stream, headers: Self.sseHeaders(session.id))
        case "DELETE":
            let session: Session
            switch await find(sessionID, user: user) {
            case .success(let found): session = found
            case .failure(let refusal): return refusal.response
            }
            // Ended for every replica: the id is refused wherever it is presented next.
            let recorded = await ToolInvoker.onOwnThread { [records] in
                records.spend("session-ended:" + session.id, until: session.expires)
            }
            await end(session)
            guard recorded != nil else {
                return .error(statusCode: 503, .internalError("Service Unavailable: the session ended here, but could not be recorded in the cluster for the other replicas; send DELETE again"),
                              sessionID: session.id, extraHeaders: ["Retry-After": "1"])
            }
            return .ok(headers: [HTTPHeaderName.sessionID: session.id])
        default:
            return .error(statusCode: 405, .invalidRequest("Method Not Allowed: use POST, GET or DELETE"),
                          extraHeaders: [HTTPHeaderName.allow: "GET, POST, DELETE"])
        }
    }

    private func post(_ request: HTTPRequest, user: RemoteUser, sessionID: String?) async -> HTTPResponse {
        guard let body = request.body, !body.isEmpty else {
            return .error(statusCode: 400, .parseError("Bad Request: the POST body must be one JSON-RPC message"))
        }
        guard body.count <= limits.maxBodyBytes else {
            return .error(statusCode: 413, .invalidRequest("Payload Too Large: at most \(limits.maxBodyBytes) bytes per message"))
        }
        guard let message = try? JSON.parse(utf8: body), message.object != nil else {
            return .error(statusCode: 400, .parseError("Bad Request: the body is not one JSON-RPC message (batches are not part of 2025-11-25)"))
        }
        let isRequest = message["method"] != nil && message["id"] != nil
        let initializing = message["method"]?.string == "initialize"
        if let refusal = validate(request, method: "POST", initializing: initializing) { return refusal }

        if initializing && sessionID != nil {
            return .error(statusCode: 400, .invalidRequest("Bad Request: initialize opens a new session; send it without Mcp-Session-Id"))
        }
        let session: Session
        if initializing {
            let params = message["params"] ?? [:]
            let ticket = SessionTicket(binding: SessionTicket.binding(of: user),
                                       protocolVersion: MCPServer.negotiatedVersion(params["protocolVersion"]?.string ?? ""),
                                       clientCanElicit: MCPServer.canElicit(params),
                                       expires: Date().addingTimeInterval(limits.sessionLifetime))
            switch await open(for: user, ticket: ticket, id: ticket.seal(with: keyring)) {
            case .success(let s): session = s
            case .failure(let refusal): return refusal.response
            }
        } else {
            switch await find(sessionID, user: user) {
            case .success(let found): session = found
            case .failure(let refusal): return refusal.response
            }
        }
        // The same JSON-RPC rules as stdio (ids, initialize first), per session.
        switch session.transport.screen.screen(message) {
        case .pass: break
        case .drop: return .accepted(headers: [HTTPHeaderName.sessionID: session.id])
        case .reject(let reply):
            return .data(Data(reply.serialized().utf8),
                         headers: [HTTPHeaderName.contentType: "application/json", HTTPHeaderName.sessionID: session.id])
        }
        guard isRequest else {
            session.transport.notify(message)
            return .accepted(headers: [HTTPHeaderName.sessionID: session.id])
        }
        guard message["method"]?.string == "tools/call" else {
            return .stream(session.transport.request(message), headers: Self.sseHeaders(session.id))
        }
        if session.transport.streams.runningCalls >= limits.maxCallsPerSession {
            let error = MessageScreen.errorReply(id: message["id"] ?? .null, code: -32000,
                                                 "Too many calls at once: this session already runs \(limits.maxCallsPerSession). Wait for one to finish.")
            return .data(Data(error.serialized().utf8),
                         headers: [HTTPHeaderName.contentType: "application/json", HTTPHeaderName.sessionID: session.id])
        }
        guard callShares.take(user.name) else {
            metrics.refused(.callsPerUser)
            return Self.overShare("you already run \(limits.maxCallsPerUser) calls at once (--max-calls-per-user); wait for one to finish",
                                  sessionID: session.id)
        }
        let tool = message["params"]?["name"]?.string
        let known = tool.flatMap { name in environment.registry.tools[name] != nil ? name : nil }
        let call = metrics.callStarted(tool: known ?? "unknown")
        let stream = session.transport.request(message, finished: { [callShares] outcome in
            callShares.giveBack(user.name)
            call.finish(outcome)
        })
        return .stream(stream, headers: Self.sseHeaders(session.id))
    }

    // MARK: Sessions

    private struct Refusal: Error { let response: HTTPResponse }

    /// A session: new (`resumed` false), or one initialized elsewhere continuing here.
    private func open(for user: RemoteUser, ticket: SessionTicket, id: String, resumed: Bool = false) async -> Result<Session, Refusal> {
        let policy: Policy
        do {
            policy = try userPolicies.effectivePolicy(for: user, tools: environment.registry.orderedTools, fallback: environment.policy)
        } catch {
            environment.log.error("policy for \(user.name): \(error.message)", source: "http")
            return .failure(Refusal(response: .error(statusCode: 500, .internalError("The policy for user '\(user.name)' is broken: \(error.message)"))))
        }
        let cluster: any ClusterAccess = user.impersonate
            ? ImpersonatingCluster(base: environment.cluster.access, who: .init(user: user.name, groups: user.groups))
            : environment.cluster.access
        // The session's server is made after its caller; log lines reach it through this (weak) link.
        let logTarget = LogTarget()
        let caller = Caller(user: authenticator.isOpen ? nil : user.name, groups: user.groups, credential: user.credential, policy: policy,
                            cluster: cluster, log: { logTarget.server?.notifyLog($0, $1, $2) })
        let transport = HTTPSessionTransport()
        let server = MCPServer(pipeline: ToolInvoker(environment: environment, caller: caller), transport: transport,
                               limits: serverLimits)
        logTarget.server = server
        let session = Session(id: id, user: user, transport: transport, server: server, expires: ticket.expires)
        if resumed {
            transport.screen.markInitialized()
            server.resume(clientCanElicit: ticket.clientCanElicit)
        }
        enum Admission { case admitted, draining, full, overShare }
        let admission = lock.withLock { () -> Admission in
            // A draining replica still serves the sessions clients hold; it opens no new ones.
            if draining && !resumed { return .draining }
            guard sessions.count < limits.maxSessions else { return .full }
            guard sessions.values.count(where: { $0.user.name == user.name }) < limits.maxSessionsPerUser else { return .overShare }
            sessions[session.id] = session
            return .admitted
        }
        switch admission {
        case .admitted: break
        case .draining:
            metrics.refused(.draining)
            return .failure(Refusal(response: .error(statusCode: 503, .invalidRequest(
                "Service Unavailable: this server is shutting down; initialize again (another replica will answer)"),
                extraHeaders: ["Retry-After": "1", "Connection": "close"])))
        case .full:
            metrics.refused(.sessions)
            return .failure(Refusal(response: .error(statusCode: 503, .invalidRequest(
                "Service Unavailable: \(limits.maxSessions) sessions are open; end one (DELETE) or wait for idle ones to expire"),
                extraHeaders: ["Retry-After": "30"])))
        case .overShare:
            metrics.refused(.sessionsPerUser)
            return .failure(Refusal(response: Self.overShare(
                "you already have \(limits.maxSessionsPerUser) sessions open (--max-sessions-per-user); end one (DELETE) or reuse it",
                sessionID: nil)))
        }
        server.start()
        environment.log.info("session \(Self.shortID(session.id)) \(resumed ? "resumed" : "opened") for \(user.name) (policy \(policy.name))",
                             source: "http")
        return .success(session)
    }

    /// 429: this user is over their share; others are still served.
    private static func overShare(_ why: String, sessionID: String?) -> HTTPResponse {
        .error(statusCode: 429, .invalidRequest("Too Many Requests: \(why)"), sessionID: sessionID,
               extraHeaders: ["Retry-After": "\(retryAfterSeconds)"])
    }
    static let retryAfterSeconds = 2

    /// The session, if its id is genuine, unexpired, not ended, and bound to this
    /// request's credential (another credential's id is as good as unknown).
    /// One opened on another replica continues here.
    private func find(_ id: String?, user: RemoteUser) async -> Result<Session, Refusal> {
        guard let id else {
            return .failure(Refusal(response: .error(statusCode: 400, .invalidRequest("Bad Request: send the Mcp-Session-Id header from initialize"))))
        }
        let missing = Refusal(response: .error(statusCode: 404, .invalidRequest("Not Found: no such session (it ended or expired); initialize again")))
        let now = Date()
        enum Local { case found(Session), recheck(Session), foreign, ended, unknown }
        let local = lock.withLock { () -> Local in
            if let session = sessions[id] {
                guard session.user.credential == user.credential, session.expires > now else { return .foreign }
                session.lastUsed = now
                guard now.timeIntervalSince(session.checked) >= Self.recheckSeconds else { return .found(session) }
                session.checked = now
                return .recheck(session)
            }
            if let until = ended[id], until > now { return .ended }
            return .unknown
        }
        switch local {
        case .found(let session): return .success(session)
        case .recheck(let session):
            // Ended on another replica (DELETE there)? Asked now and then, not on every request.
            guard await ToolInvoker.onOwnThread({ [records] in records.isSpent("session-ended:" + id) }) == true else {
                return .success(session)
            }
            await end(session)
            return .failure(missing)
        case .foreign, .ended: return .failure(missing)
        case .unknown: break
        }
        guard let ticket = SessionTicket.open(id, with: keyring), ticket.binding == SessionTicket.binding(of: user) else {
            return .failure(missing)
        }
        let endedElsewhere = await ToolInvoker.onOwnThread { [records] in records.isSpent("session-ended:" + id) }
        switch endedElsewhere {
        case false?: break
        case true?: return .failure(missing)
        case nil:
            return .failure(Refusal(response: .error(statusCode: 503, .internalError("Service Unavailable: could not check the session with the cluster; try again"),
                                                     extraHeaders: ["Retry-After": "1"])))
        }
        // Two requests of one session may arrive here at once: the first continues it, the second finds it.
        if let raced = lock.withLock({ sessions[id] }) { return raced.user.credential == user.credential ? .success(raced) : .failure(missing) }
        return await open(for: user, ticket: ticket, id: id, resumed: true)
    }

    /// How often a replica asks the cluster whether a session it holds was ended elsewhere.
    static let recheckSeconds: TimeInterval = 10

    /// Enough of an id for a log line to tell sessions apart.
    static func shortID(_ id: String) -> String { String(Digest.sha256Hex(id).prefix(12)) }

    /// `ended`: the session is over (DELETE, idle), not merely leaving this replica (shutdown).
    private func end(_ session: Session, ended isOver: Bool = true) async {
        let now = Date()
        let removed = lock.withLock { () -> Bool in
            if isOver {
                ended = ended.filter { $0.value > now }
                ended[session.id] = session.expires
            }
            return sessions.removeValue(forKey: session.id) != nil
        }
        guard removed else { return }
        session.transport.close()
        session.server.stop()
        environment.log.info("session \(Self.shortID(session.id)) of \(session.user.name) ended", source: "http")
    }

    /// Ends sessions with nothing running that were not used for `limits.idleSeconds`.
    public func expireIdle(now: Date = Date()) async {
        let idle = lock.withLock {
            sessions.values.filter {
                (now.timeIntervalSince($0.lastUsed) > limits.idleSeconds || $0.expires <= now) && !$0.transport.streams.isBusy
            }
        }
        for session in idle { await end(session) }
    }

    /// The server stops: this replica's sessions are closed here (calls still
    /// running are cancelled) and go on on other replicas.
    public func closeAll() async {
        let held = lock.withLock { () -> [Session] in
            closed = true
            return Array(sessions.values)
        }
        for session in held { await end(session, ended: false) }
    }

    // MARK: Checks

    private func checkOrigin(_ request: HTTPRequest) -> HTTPResponse? {
        let context = HTTPValidationContext(httpMethod: request.method, sessionID: nil, isInitializationRequest: false,
                                            supportedProtocolVersions: Version.supported)
        switch origins {
        case .loopback: return OriginValidator.localhost().validate(request, context: context)
        case .only(let allowed):
            guard let origin = request.header(HTTPHeaderName.origin), !allowed.contains(origin) else { return nil }
            return .error(statusCode: 403, .invalidRequest("Forbidden: Origin '\(origin)' is not allowed (see --allow-origin)"))
        }
    }

    private func validate(_ request: HTTPRequest, method: String, initializing: Bool) -> HTTPResponse? {
        let context = HTTPValidationContext(httpMethod: method, sessionID: request.header(HTTPHeaderName.sessionID),
                                            isInitializationRequest: initializing, supportedProtocolVersions: Version.supported)
        let validators: [any HTTPRequestValidator] = [AcceptHeaderValidator(mode: .sseRequired), ContentTypeValidator(),
                                                      ProtocolVersionValidator()]
        for validator in validators {
            if let refusal = validator.validate(request, context: context) { return refusal }
        }
        return nil
    }

    static func sseHeaders(_ sessionID: String) -> [String: String] {
        [HTTPHeaderName.contentType: "text/event-stream", HTTPHeaderName.cacheControl: "no-cache, no-transform",
         HTTPHeaderName.sessionID: sessionID]
    }

    // MARK: Health

    /// The `/metrics` exposition.
    public func metricsText() -> String {
        let (count, drain) = lock.withLock { (sessions.count, draining) }
        var text = metrics.render(sessions: count, draining: drain)
        let load = ToolThreads.shared.load
        text += "# HELP kfmcp_tool_queue_depth Calls waiting for a tool thread (all KFMCP_MAX_TOOL_THREADS busy).\n"
        text += "# TYPE kfmcp_tool_queue_depth gauge\nkfmcp_tool_queue_depth \(load.queued)\n"
        text += "# HELP kfmcp_tool_threads_busy Tool threads running a call now.\n"
        text += "# TYPE kfmcp_tool_threads_busy gauge\nkfmcp_tool_threads_busy \(load.busy)\n"
        if let reviewer = authenticator as? KubernetesTokenAuthenticator {
            text += "# HELP kfmcp_token_reviews_total TokenReviews sent (--auth kubernetes; known tokens, good or bad, are cached).\n"
            text += "# TYPE kfmcp_token_reviews_total counter\nkfmcp_token_reviews_total \(reviewer.reviews)\n"
        }
        return text
    }

    /// Ready: plugins loaded and the API server answers /version.
    public func readiness() async -> (ready: Bool, detail: String) {
        if isDraining { return (false, "draining: shutting down, no new sessions") }
        guard !environment.registry.orderedTools.isEmpty else { return (false, "no plugin tools are loaded") }
        let answer = await ToolInvoker.onOwnThread { [environment] in
            environment.cluster.access.send(ClusterRequest(method: "GET", path: "/version", timeoutMs: 3000))
        }
        guard answer.status == 200 else {
            return (false, "the API server does not answer: \(answer.errorMessage ?? "HTTP \(answer.status)")")
        }
        return (true, "ok: \(environment.registry.orderedTools.count) tools, API server reachable")
    }
}

/// The session's server, for its calls' log lines; weak, as the server holds the caller that holds this.
private final class LogTarget: @unchecked Sendable {
    private let lock = NSLock()
    private weak var _server: MCPServer?
    var server: MCPServer? {
        get { lock.withLock { _server } }
        set { lock.withLock { _server = newValue } }
    }
}
