import ArgumentParser
import Foundation

/// `kubeflow-mcp sim ARGS` is `kubeflow-mcp-sim ARGS`: the simulator is its own executable so that
/// `serve` does not map it. execv keeps the pid and stdio, so scripts that run `kubeflow-mcp sim`
/// (and wait for its "kubeconfig written" line, or kill its pid) see no difference.
struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run the cluster simulator standalone on loopback (a Kubernetes API with Kubeflow Trainer).",
        discussion: "Runs kubeflow-mcp-sim, installed next to kubeflow-mcp, with the same arguments (`sim --help` lists them).")

    @Argument(parsing: .captureForPassthrough, help: "kubeflow-mcp-sim's options.")
    var arguments: [String] = []

    func run() throws {
        let path = try SimulatorProcess.executablePath()
        fflush(nil)
        let errorNumber = withCStrings([path] + arguments) { argv in
            execv(path, argv)
            return errno
        }
        throw SimulatorError("could not run \(path): \(String(cString: strerror(errorNumber)))")
    }
}
