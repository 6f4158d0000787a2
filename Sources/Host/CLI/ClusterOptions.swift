import ArgumentParser
import Foundation
import HostCore
import KubeClient
import ClusterSim

/// How to reach Kubernetes, like kubectl: --kubeconfig / $KUBECONFIG / ~/.kube/config,
/// else the in-cluster service account. `--sim` (or no configuration at all)
/// starts the embedded cluster simulator on loopback instead.
struct ClusterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Kubeconfig file (else $KUBECONFIG, else ~/.kube/config, else in-cluster).", valueName: "FILE"))
    var kubeconfig: String?

    @Option(help: "Kubeconfig context to use (else the current context).")
    var context: String?

    @Option(help: "Default namespace (else the context's, else \"default\").")
    var namespace: String?

    @Flag(help: "Use the embedded cluster simulator (started in-process on a random loopback port).")
    var sim = false

    /// Tests and demos want simulated jobs to finish in seconds, not minutes.
    @Option(help: ArgumentHelp("Simulated seconds per real second for --sim (higher: jobs finish sooner).",
                               valueName: "N", visibility: .hidden))
    var simTimeScale: Double = ClusterSimulator.defaultTimeScale

    func kubeOptions() -> KubeConfigOptions {
        KubeConfigOptions(kubeconfigPath: kubeconfig, context: context, namespace: namespace)
    }
}

/// A connection to a cluster, and the simulator behind it when there is one
/// (kept alive as long as the connection is used).
struct ClusterConnection {
    let access: any ClusterAccess
    let simulator: ClusterSimulator?
    let kubeconfig: ResolvedKubeConfig
}

extension ClusterOptions {
    /// Connect like kubectl; with --sim, or with no Kubernetes configuration at
    /// all, start the embedded simulator and connect to it over real HTTP.
    func connect(simulatorTimeScale: Double? = nil) throws -> ClusterConnection {
        if !sim {
            do {
                let config = try ResolvedKubeConfig.resolve(kubeOptions())
                return ClusterConnection(access: KubeClusterAccess(client: KubeClient(config: config)),
                                         simulator: nil, kubeconfig: config)
            } catch let error as KubeConfigError where kubeconfig == nil && error.message.hasPrefix("No Kubernetes configuration found") {
                Log.shared.warning("no Kubernetes configuration found; serving the embedded cluster simulator (pass --kubeconfig for a real cluster)")
            }
        }
        return try Self.startSimulator(namespace: namespace, timeScale: simulatorTimeScale ?? simTimeScale)
    }

    static func startSimulator(namespace: String?, timeScale: Double) throws -> ClusterConnection {
        let simulator = try ClusterSimulator(timeScale: timeScale)
        try simulator.startBlocking()
        // The simulator's kubeconfig lives only as long as it takes to read it.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kubeflow-mcp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("kubeconfig").path
        try simulator.writeKubeconfig(to: path, namespace: namespace ?? "default")
        let config = try ResolvedKubeConfig.resolve(KubeConfigOptions(kubeconfigPath: path, namespace: namespace))
        return ClusterConnection(access: KubeClusterAccess(client: KubeClient(config: config)),
                                 simulator: simulator, kubeconfig: config)
    }
}
