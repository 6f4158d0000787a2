import Foundation
import HostBase
import HostKubeGate
import HostPlugins
import KFJSON
import KubeClient

/// Whom one pipeline's calls act as, resolved once from the server's
/// environment and the session's Caller: the policy that decides, the cluster
/// view (impersonating over HTTP), and the name in audit lines and owner
/// stamps. The services a plugin reaches during a call (k8s_request,
/// call_context) are answered from here and nothing wider.
struct CallScope: Sendable {
    let policy: Policy
    let cluster: any ClusterAccess
    /// The session's user over HTTP; nil: the server's own identity (looked up lazily).
    let user: String?
    let serverIdentity: ClusterIdentity
    /// Read per request: the cluster-scoped reads plugins declared (the registry may grow).
    let registry: PluginRegistry
    let log: Log

    init(environment: CallEnvironment, caller: Caller?) {
        policy = caller?.policy ?? environment.policy
        cluster = caller?.cluster ?? environment.cluster.access
        user = caller?.user
        serverIdentity = environment.cluster
        registry = environment.registry
        log = environment.log
    }

    var identity: String { user ?? serverIdentity.identity }

    /// A plugin's Kubernetes request, through the one gate (KubeGate) with this call's context.
    func k8sRequest(_ json: JSON, call: CallState, stream onLine: ((String) -> Bool)? = nil) -> KubeResponse {
        KubeGate(policy: policy, identity: { identity }, cluster: cluster, clusterReads: registry.clusterScopedReads, log: log)
            .send(json, call: call, stream: onLine)
    }

    func callContext(for call: CallState) -> JSON {
        [
            "namespace": .string(cluster.defaultNamespace),
            "user": .string(identity),
            "persona": .string(policy.name),
            "allowed_namespaces": policy.namespaces.map { .array($0.map { .string($0) }) } ?? .null,
            "read_only": .bool(policy.readOnly),
            "tool": .string(call.tool),
            "dry_run": .bool(call.dryRun),
            "plan_seed": .string(call.planSeed),
        ]
    }
}
