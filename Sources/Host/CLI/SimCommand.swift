import ArgumentParser
import ClusterSim
import Foundation
import HostCore

struct SimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run the cluster simulator standalone on loopback (a Kubernetes API with Kubeflow Trainer).",
        discussion: "kubectl and any Kubernetes client work against it: kubectl --kubeconfig FILE get nodes")

    @Option(help: "Port on 127.0.0.1 (0: any free port).") var port: UInt16 = 0
    @Option(help: ArgumentHelp("Seed YAML (nodes, users, namespaces); default: the built-in cluster.", valueName: "FILE"))
    var seed: String?
    @Option(help: ArgumentHelp("Write a kubeconfig for the simulator here.", valueName: "FILE"))
    var kubeconfigOut: String?
    @Option(help: "Simulated seconds per real second (higher: jobs finish sooner).")
    var timeScale: Double = ClusterSimulator.defaultTimeScale
    @Option(help: ArgumentHelp("Treat requests without a token as this user (kubectl sends no token over plain HTTP); \"none\" to require tokens.", valueName: "USER"))
    var anonymousUser: String = "admin"

    func run() async throws {
        var seedValue = try seed.map { try SimSeed.load(path: $0) } ?? SimSeed.default
        if seedValue.anonymousUser == nil && anonymousUser != "none" { seedValue.anonymousUser = anonymousUser }
        let simulator = try ClusterSimulator(seed: seedValue, timeScale: timeScale)
        let url = try await simulator.start(port: port)
        say("cluster simulator listening on \(url.absoluteString)")
        if let kubeconfigOut {
            try simulator.writeKubeconfig(to: kubeconfigOut)
            say("kubeconfig written to \(kubeconfigOut)")
        }
        for user in simulator.users {
            say("user \(user.name) (groups: \(user.groups.joined(separator: ", ")))")
        }
        // Serve until interrupted.
        while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
    }

    /// Unbuffered, so a script waiting for the first line sees it at once.
    private func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
}
