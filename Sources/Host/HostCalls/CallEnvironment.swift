import Foundation
import HostBase
import HostPlugins

/// What the call pipeline (ToolInvoker) is made with, wired once by the
/// composition root (HostCore) after the plugins loaded, the policy was read
/// and the cluster connected; immutable from then on. Only the pipeline and
/// the protocol layer that makes pipelines hold it: the plugin services see
/// the registry and the tracker, a call's services see its CallScope.
public struct CallEnvironment: Sendable {
    public let registry: PluginRegistry
    /// The server's own policy: stdio's, and the fallback of HTTP users without one of their own.
    public let policy: Policy
    public let cluster: ClusterIdentity
    /// Where every tools/call is recorded (nil: nowhere).
    public let audit: AuditLog?
    /// Confirmation tokens handed to clients that cannot ask the person.
    public let confirmations: ConfirmationBook
    let tracker: CallTracker
    public let log: Log

    public init(registry: PluginRegistry, policy: Policy, cluster: ClusterIdentity, audit: AuditLog?,
                confirmations: ConfirmationBook, tracker: CallTracker, log: Log) {
        self.registry = registry
        self.policy = policy
        self.cluster = cluster
        self.audit = audit
        self.confirmations = confirmations
        self.tracker = tracker
        self.log = log
    }
}
