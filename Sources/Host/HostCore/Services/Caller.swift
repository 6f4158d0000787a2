/// Whom a tool call acts for. Over stdio there is one user, the server's own
/// identity and policy (no Caller). Over Streamable HTTP each session belongs
/// to an authenticated user: their name goes in the audit and owner stamps,
/// their policy decides, and their cluster view impersonates them.
public struct Caller: Sendable {
    public let user: String
    public let groups: [String]
    public let policy: Policy
    public let cluster: any ClusterAccess

    public init(user: String, groups: [String], policy: Policy, cluster: any ClusterAccess) {
        self.user = user
        self.groups = groups
        self.policy = policy
        self.cluster = cluster
    }
}

extension HostRuntime {
    func policy(of call: CallState) -> Policy { call.caller?.policy ?? policy }
    func identity(of call: CallState) -> String { call.caller?.user ?? identity }
    func cluster(of call: CallState) -> any ClusterAccess { call.caller?.cluster ?? cluster }
}
