import HostBase
import HostKubeGate
import HostPlugins

/// Whom a tool call acts for. Over stdio there is one user, the server's own
/// identity and policy (no Caller). Over Streamable HTTP each session belongs
/// to an authenticated user: their name goes in the audit and owner stamps,
/// their policy decides, and their cluster view impersonates them.
public struct Caller: Sendable {
    /// nil: the server's own identity (HTTP without --auth, on loopback).
    public let user: String?
    public let groups: [String]
    /// A digest of the credential the user authenticated with (RemoteUser.credential): confirmation tokens are bound to it.
    public let credential: String?
    public let policy: Policy
    public let cluster: any ClusterAccess
    /// Where the log lines of this caller's calls go (their session's notifications/message).
    public let log: (@Sendable (LogLevel, String, String) -> Void)?

    public init(user: String?, groups: [String], credential: String? = nil, policy: Policy, cluster: any ClusterAccess,
                log: (@Sendable (LogLevel, String, String) -> Void)? = nil) {
        self.user = user
        self.credential = credential
        self.groups = groups
        self.policy = policy
        self.cluster = cluster
        self.log = log
    }
}
