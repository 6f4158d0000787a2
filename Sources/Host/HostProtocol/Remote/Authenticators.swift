import Foundation
import HostBase
import HostCalls
import HostKubeGate
import HostPlugins
import KFJSON
import KFYAML
import KubeClient

/// Who sent an HTTP request, as the configured authentication says.
public struct RemoteUser: Sendable, Equatable {
    public var name: String
    public var groups: [String]
    /// Act in the cluster as this user (Kubernetes impersonation); false: as the server itself.
    public var impersonate: Bool
    /// The user's own persona or policy file; nil: the per-user rules, else the server's policy.
    public var persona: String?
    public var policyFile: String?
    /// The only namespaces this user may act in (a tokens file's `namespaces:`); nil: as their policy says.
    public var namespaces: [String]?
    /// A digest of the credential that authenticated this request (the token; for a
    /// TokenReview, the uid, name and groups it answered): sessions and confirmation
    /// tokens are bound to it, so the same name with another credential is someone else.
    public var credential: String

    public init(name: String, groups: [String] = [], impersonate: Bool = false, persona: String? = nil,
                policyFile: String? = nil, namespaces: [String]? = nil, credential: String? = nil) {
        self.namespaces = namespaces
        self.credential = credential ?? Digest.sha256Hex("name:" + name)
        self.name = name
        self.groups = groups
        self.impersonate = impersonate
        self.persona = persona
        self.policyFile = policyFile
    }
}

/// What the endpoint does with a request's credentials.
public enum Authentication: Sendable {
    case user(RemoteUser)
    /// 401.
    case refused
    /// 429: too many failed attempts just now; try again after this many seconds.
    case throttled(retryAfter: Int)
}

/// Turns an `Authorization` header into a user; nil means 401.
public protocol Authenticator: Sendable {
    func authenticate(authorization: String?) async -> RemoteUser?
    /// `authenticate`, or a refusal to try now (see KubernetesTokenAuthenticator).
    func check(authorization: String?) async -> Authentication
    /// Whether requests without credentials are served (only on loopback).
    var isOpen: Bool { get }
}

extension Authenticator {
    public var isOpen: Bool { false }

    public func check(authorization: String?) async -> Authentication {
        await authenticate(authorization: authorization).map(Authentication.user) ?? .refused
    }

    static func bearerToken(_ header: String?) -> String? {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}

/// No --auth: everyone is the server's own user (allowed on loopback only).
public struct LocalOnlyAuthenticator: Authenticator {
    public init() {}
    public var isOpen: Bool { true }
    public func authenticate(authorization: String?) async -> RemoteUser? { RemoteUser(name: "local") }
}

/// `--auth tokens:FILE`: a file of tokens, each naming a user and persona.
///
///     tokens:
///       - token: 3f9c…            # a long random string
///         user: alice
///         groups: [ml-team]       # optional
///         persona: data-scientist # optional; or policy: /path/to/policy.yaml
///         namespaces: [ml-team-dev] # optional: the only namespaces this user may act in
public struct TokenFileAuthenticator: Authenticator {
    struct Entry: Sendable {
        let token: [UInt8]
        let user: RemoteUser
    }
    let entries: [Entry]

    public init(path: String) throws(PolicyFile.Problem) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw PolicyFile.Problem(message: "\(path): cannot read the tokens file")
        }
        guard let root = (try? YAMLReader.load(text)) as? [String: Any], let list = root["tokens"] as? [[String: Any]] else {
            throw PolicyFile.Problem(message: "\(path): expected a 'tokens:' list of {token, user, persona} entries")
        }
        var entries: [Entry] = []
        for (index, item) in list.enumerated() {
            guard let token = item["token"] as? String, token.count >= 16 else {
                throw PolicyFile.Problem(message: "\(path): tokens[\(index)].token must be a string of at least 16 characters")
            }
            guard let user = item["user"] as? String, !user.isEmpty else {
                throw PolicyFile.Problem(message: "\(path): tokens[\(index)].user must name the user")
            }
            let persona = item["persona"] as? String
            if let persona { _ = try PolicyFile.persona(persona) }
            var namespaces: [String]?
            if let listed = item["namespaces"] {
                guard let names = listed as? [String], !names.isEmpty else {
                    throw PolicyFile.Problem(message: "\(path): tokens[\(index)].namespaces must be a list of namespace names")
                }
                namespaces = try UserPolicies.namespaces(names.joined(separator: ","), in: "\(path): tokens[\(index)]")
            }
            entries.append(Entry(token: Array(token.utf8),
                                 user: RemoteUser(name: user, groups: item["groups"] as? [String] ?? [],
                                                  persona: persona, policyFile: item["policy"] as? String,
                                                  namespaces: namespaces, credential: Digest.sha256Hex("token:" + token))))
        }
        self.entries = entries
    }

    public func authenticate(authorization: String?) async -> RemoteUser? {
        guard let token = Self.bearerToken(authorization).map({ Array($0.utf8) }) else { return nil }
        // Every entry compared in full: how long this takes says nothing about a token.
        var found: RemoteUser?
        for entry in entries where Self.equal(entry.token, token) { found = entry.user }
        return found
    }

    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) { diff |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0) }
        return diff == 0
    }
}

/// `--auth kubernetes`: the client's own Kubernetes token, checked by the API
/// server with a TokenReview; the server then acts as that user (impersonation).
/// Answers are remembered for a minute so each POST does not cost a review;
/// refusals too (for `rejectSeconds`), so a client retrying a bad token does
/// not make the API server review it again and again; and past
/// `failuresPerSecond` failed reviews in a second, new tokens wait (429) for
/// the next second, so a stream of made-up tokens cannot flood the API server.
public final class KubernetesTokenAuthenticator: Authenticator, @unchecked Sendable {
    let cluster: @Sendable () -> any ClusterAccess
    private let lock = NSLock()
    private var cache: [String: (user: RemoteUser, until: Date)] = [:]
    private var rejected: [String: Date] = [:]
    static let cacheSeconds: TimeInterval = 60
    static let rejectSeconds: TimeInterval = 30
    static let cacheLimit = 1000
    static let failuresPerSecond = 10
    private var failures = 0
    private var failureWindow = Date.distantPast
    /// TokenReviews sent (for tests and /metrics-style checks).
    public private(set) var reviews = 0

    public init(cluster: @escaping @Sendable () -> any ClusterAccess) { self.cluster = cluster }

    public func authenticate(authorization: String?) async -> RemoteUser? {
        if case .user(let user) = await check(authorization: authorization) { return user }
        return nil
    }

    public func check(authorization: String?) async -> Authentication {
        guard let token = Self.bearerToken(authorization) else { return .refused }
        let now = Date()
        enum Known { case user(RemoteUser), refused, throttled, unknown }
        let known = lock.withLock { () -> Known in
            if let hit = cache[token], hit.until > now { return .user(hit.user) }
            if let until = rejected[token], until > now { return .refused }
            if now.timeIntervalSince(failureWindow) < 1 && failures >= Self.failuresPerSecond { return .throttled }
            reviews += 1
            return .unknown
        }
        switch known {
        case .user(let user): return .user(user)
        case .refused: return .refused
        case .throttled: return .throttled(retryAfter: 1)
        case .unknown: break
        }
        return await review(token, now: now)
    }

    private func review(_ token: String, now: Date) async -> Authentication {
        let review = await ToolInvoker.onOwnThread { [cluster] in
            cluster().send(ClusterRequest(
                method: "POST", path: "/apis/authentication.k8s.io/v1/tokenreviews",
                body: ["apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": ["token": .string(token)]],
                timeoutMs: 10_000))
        }
        guard review.status == 201 || review.status == 200, review.bodyJSON["status"]?["authenticated"]?.bool == true,
            let name = review.bodyJSON["status"]?["user"]?["username"]?.string, !name.isEmpty
        else {
            // Only a definite "not authenticated" is remembered; an API server that did not answer may answer next time.
            lock.withLock {
                if now.timeIntervalSince(failureWindow) >= 1 { failureWindow = now; failures = 0 }
                failures += 1
                if review.status == 201 || review.status == 200 {
                    if rejected.count >= Self.cacheLimit { rejected = rejected.filter { $0.value > now } }
                    if rejected.count < Self.cacheLimit { rejected[token] = now.addingTimeInterval(Self.rejectSeconds) }
                }
            }
            return .refused
        }
        let groups = (review.bodyJSON["status"]?["user"]?["groups"]?.array ?? []).compactMap(\.string)
        // Not the token itself: a pod's projected token is renewed hourly, and the session should outlive it.
        let uid = review.bodyJSON["status"]?["user"]?["uid"]?.string ?? ""
        let credential = Digest.sha256Hex(JSON.array([.string(uid), .string(name), .array(groups.map { .string($0) })]).serialized())
        let user = RemoteUser(name: name, groups: groups, impersonate: true, credential: credential)
        lock.withLock {
            if cache.count >= Self.cacheLimit { cache = cache.filter { $0.value.until > now } }
            if cache.count < Self.cacheLimit { cache[token] = (user, now.addingTimeInterval(Self.cacheSeconds)) }
        }
        return .user(user)
    }
}
