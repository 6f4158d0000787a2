import ArgumentParser
import Foundation
import HostCore
import KubeClient

/// How to reach Kubernetes, like kubectl: --kubeconfig / $KUBECONFIG / ~/.kube/config,
/// else the in-cluster service account. `--sim` (or no configuration at all)
/// starts the cluster simulator (`kubeflow-mcp-sim`, a child process) on loopback instead.
struct ClusterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Kubeconfig file (else $KUBECONFIG, else ~/.kube/config, else in-cluster).", valueName: "FILE"))
    var kubeconfig: String?

    @Option(help: "Kubeconfig context to use (else the current context).")
    var context: String?

    @Option(help: "Default namespace (else the context's, else \"default\").")
    var namespace: String?

    @Flag(help: "Use the cluster simulator (kubeflow-mcp-sim, started as a child process on a random loopback port).")
    var sim = false

    /// Tests and demos want simulated jobs to finish in seconds, not minutes. Unset: the simulator's default.
    @Option(help: ArgumentHelp("Simulated seconds per real second for --sim (higher: jobs finish sooner).",
                               valueName: "N", visibility: .hidden))
    var simTimeScale: Double?

    func kubeOptions() -> KubeConfigOptions {
        KubeConfigOptions(kubeconfigPath: kubeconfig, context: context, namespace: namespace)
    }
}

/// A connection to a cluster, and the simulator behind it when there is one
/// (it runs until stopped or this process ends).
struct ClusterConnection {
    let access: any ClusterAccess
    let simulator: SimulatorProcess?
    let kubeconfig: ResolvedKubeConfig
}

extension ClusterOptions {
    /// Connect like kubectl; with --sim, or with no Kubernetes configuration at
    /// all, start the embedded simulator and connect to it over real HTTP.
    func connect() throws -> ClusterConnection {
        if !sim {
            do {
                let config = try ResolvedKubeConfig.resolve(kubeOptions())
                return ClusterConnection(access: KubeClusterAccess(client: KubeClient(config: config)),
                                         simulator: nil, kubeconfig: config)
            } catch let error as KubeConfigError where kubeconfig == nil && error.message.hasPrefix("No Kubernetes configuration found") {
                Log.shared.warning("no Kubernetes configuration found; serving the embedded cluster simulator (pass --kubeconfig for a real cluster)")
            }
        }
        return try Self.startSimulator(namespace: namespace, timeScale: simTimeScale)
    }

    static func startSimulator(namespace: String?, timeScale: Double?) throws -> ClusterConnection {
        // The simulator's kubeconfig (its admin token) lives only as long as it takes to read it, in a 0700 directory.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kubeflow-mcp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("kubeconfig").path
        let simulator = try SimulatorProcess.start(kubeconfigOut: path, timeScale: timeScale)
        let config = try ResolvedKubeConfig.resolve(KubeConfigOptions(kubeconfigPath: path, namespace: namespace))
        return ClusterConnection(access: KubeClusterAccess(client: KubeClient(config: config)),
                                 simulator: simulator, kubeconfig: config)
    }
}
