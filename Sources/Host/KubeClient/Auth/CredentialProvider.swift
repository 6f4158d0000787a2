import Foundation

/// What to attach to one request. Never logged.
struct RequestCredentials: Sendable {
    var bearerToken: String?
    var basic: (username: String, password: String)?
    var clientCertificate: ClientCertificate?
}

/// Produces credentials for each request and keeps the ones that are costly or
/// that change: exec plugin output is cached until it expires, token files are
/// re-read when they change on disk (service-account token rotation).
final class CredentialProvider: Sendable {
    private let credentials: Credentials
    private let staticCertificate: ClientCertificate?
    private let userName: String
    private let exec: ExecCredentialPlugin?
    private let execCache = Locked<ExecCredentialPlugin.Credential?>(nil)
    private let tokenFileCache = Locked<TokenFileSnapshot?>(nil)
    /// Refresh exec credentials this long before they expire, so a token does not
    /// lapse on its way to the server.
    private let expirySkew: TimeInterval = 10

    /// Identifies one version of a token file. Kubelet rotates projected tokens by
    /// re-pointing a symlink (`token -> ..data/token`), so the link is resolved
    /// first; the file's identity, size and time catch in-place rewrites too.
    private struct TokenFileVersion: Equatable {
        var resolvedPath: String
        var inode: UInt64?
        var modified: Date?
        var size: UInt64?

        init(path: String) {
            resolvedPath = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            let attributes = try? FileManager.default.attributesOfItem(atPath: resolvedPath)
            inode = (attributes?[.systemFileNumber] as? NSNumber)?.uint64Value
            modified = attributes?[.modificationDate] as? Date
            size = (attributes?[.size] as? NSNumber)?.uint64Value
        }
    }

    private struct TokenFileSnapshot {
        var token: String
        var version: TokenFileVersion
    }

    init(config: ResolvedKubeConfig) {
        credentials = config.credentials
        staticCertificate = config.tls.clientCertificate
        userName = config.userName
        if case .exec(let execConfig) = config.credentials {
            exec = ExecCredentialPlugin(config: execConfig, userName: config.userName)
        } else {
            exec = nil
        }
    }

    /// Whether `invalidate` can yield different credentials, so a 401 is worth one retry.
    var canRefresh: Bool {
        switch credentials {
        case .exec, .tokenFile: return true
        default: return false
        }
    }

    func current() throws(KubeError) -> RequestCredentials {
        var result = RequestCredentials(clientCertificate: staticCertificate)
        switch credentials {
        case .none:
            break
        case .token(let token):
            result.bearerToken = token
        case .basic(let username, let password):
            result.basic = (username, password)
        case .tokenFile(let path):
            result.bearerToken = try tokenFromFile(path)
        case .exec:
            let credential = try execCredential()
            result.bearerToken = credential.token
            if let certificate = credential.clientCertificate { result.clientCertificate = certificate }
        }
        return result
    }

    /// Forget cached credentials after the server rejected them.
    func invalidate() {
        execCache.withLock { $0 = nil }
        tokenFileCache.withLock { $0 = nil }
    }

    private func execCredential() throws(KubeError) -> ExecCredentialPlugin.Credential {
        guard let exec else { throw KubeError(reason: "Unauthorized", message: "No exec plugin is configured.") }
        // The lock is held while the plugin runs: concurrent requests wait for
        // one run instead of starting many.
        return try execCache.withLock { cached throws(KubeError) -> ExecCredentialPlugin.Credential in
            if let credential = cached {
                guard let expiration = credential.expiration else { return credential }
                if expiration.timeIntervalSinceNow > expirySkew { return credential }
            }
            let fresh = try exec.run()
            cached = fresh
            return fresh
        }
    }

    private func tokenFromFile(_ path: String) throws(KubeError) -> String {
        let version = TokenFileVersion(path: path)
        return try tokenFileCache.withLock { snapshot throws(KubeError) -> String in
            if let snapshot, snapshot.version == version { return snapshot.token }
            guard let text = try? String(contentsOfFile: version.resolvedPath, encoding: .utf8) else {
                throw KubeError(reason: "Unauthorized",
                                message: "Could not read the token file \(path) of user \"\(userName)\".")
            }
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            snapshot = TokenFileSnapshot(token: token, version: version)
            return token
        }
    }
}
