import ArgumentParser
import ClusterSim
import Foundation
import HTTPServing

/// `kubeflow-mcp-sim`: the cluster simulator in its own executable, so that `serve` maps neither it
/// nor its data. `kubeflow-mcp sim …` execs this binary; `serve --sim` starts it as a child process.
@main
struct SimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubeflow-mcp-sim",
        abstract: "Run the cluster simulator standalone on loopback (a Kubernetes API with Kubeflow Trainer).",
        discussion: """
            kubectl and any Kubernetes client work against it: kubectl --kubeconfig FILE get nodes
            With --tls it serves HTTPS (a throwaway self-signed certificate unless --tls-cert/--tls-key are given);
            with --client-ca, client certificates signed by that CA authenticate as the seed user named by their CN.
            """)

    @Option(help: "Port on 127.0.0.1 (0: any free port).") var port: UInt16 = 0
    @Option(help: ArgumentHelp("Seed YAML (nodes, users, namespaces); default: the built-in cluster.", valueName: "FILE"))
    var seed: String?
    @Option(help: ArgumentHelp("Write a kubeconfig for the simulator here.", valueName: "FILE"))
    var kubeconfigOut: String?
    @Option(help: "Simulated seconds per real second (higher: jobs finish sooner).")
    var timeScale: Double = ClusterSimulator.defaultTimeScale
    @Option(help: ArgumentHelp("Treat requests without credentials as this user (kubectl sends no token over plain HTTP); \"none\" to require them. Default: admin over HTTP, none over TLS.", valueName: "USER"))
    var anonymousUser: String?
    @Flag(help: "Serve HTTPS instead of HTTP.")
    var tls = false
    @Option(help: ArgumentHelp("Server certificate (PEM) for --tls; default: a throwaway self-signed one for 127.0.0.1.", valueName: "FILE"))
    var tlsCert: String?
    @Option(help: ArgumentHelp("Private key (PEM) of --tls-cert.", valueName: "FILE"))
    var tlsKey: String?
    @Option(help: ArgumentHelp("Accept client certificates signed by this CA (PEM); implies --tls.", valueName: "FILE"))
    var clientCa: String?
    @Flag(help: "Serve /_sim/requests (a log of every request) and /_sim/faults (aimed failures), for tests.")
    var testControl = false
    /// For a parent that starts us as its cluster (`serve --sim`): it holds the other end of our stdin, which
    /// closes however it ends (even SIGKILL), so we never outlive it. Not PR_SET_PDEATHSIG: that fires when the
    /// parent *thread* that spawned us exits, and Swift's worker threads come and go.
    @Flag(help: .hidden) var exitWhenStdinCloses = false

    func validate() throws {
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together.") }
    }

    /// TLS is on with --tls or any TLS file option.
    private var servesTLS: Bool { tls || tlsCert != nil || clientCa != nil }

    func run() async throws {
        if exitWhenStdinCloses { Self.exitWhenStdinCloses() }
        var seedValue = try seed.map { try SimSeed.load(path: $0) } ?? SimSeed.default
        let anonymous = anonymousUser ?? (servesTLS ? "none" : "admin")
        if seedValue.anonymousUser == nil && anonymous != "none" { seedValue.anonymousUser = anonymous }
        let simulator = try ClusterSimulator(seed: seedValue, timeScale: timeScale)
        if testControl { simulator.enableTestControl() }
        let url: URL
        if servesTLS {
            // A generated certificate is only needed until the server has loaded it.
            let generated = tlsCert == nil ? try SelfSignedCertificate.generate() : nil
            defer { generated?.remove() }
            var options = generated?.options ?? TLSOptions(certificatePath: tlsCert!, keyPath: tlsKey!)
            options.clientCAPath = clientCa
            url = try await simulator.start(port: port, tls: options)
        } else {
            url = try await simulator.start(port: port)
        }
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

    private static func exitWhenStdinCloses() {
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 512)
            while true {
                let n = read(STDIN_FILENO, &buffer, buffer.count)
                if n == 0 || (n < 0 && errno != EINTR) { _exit(0) }  // _exit: the server threads are still running
            }
        }
    }

    /// Unbuffered, so a script waiting for the first line sees it at once.
    private func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
}
