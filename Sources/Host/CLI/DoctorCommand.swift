import ArgumentParser
import Foundation
import HostCore
import KFJSON

/// What `doctor` checks, each on one line: configuration, reachability, server
/// version, Kubeflow Trainer CRDs and version, and what the identity may do.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor", abstract: "Check the connection to Kubernetes and Kubeflow Trainer.")

    @OptionGroup var cluster: ClusterOptions
    @Option(name: .long, help: "stderr log level.") var logLevel: String = "warning"

    func run() throws {
        Log.shared.level = LogLevel(name: logLevel) ?? .warning
        let connection = try cluster.connect()
        let access = connection.access
        let config = connection.kubeconfig
        var problems = 0
        func line(_ ok: Bool?, _ text: String) {
            let mark = ok == nil ? "  " : (ok! ? "✓ " : "✗ ")
            if ok == false { problems += 1 }
            print(mark + text)
        }
        line(nil, "config:    \(connection.simulator != nil ? "embedded cluster simulator" : config.source)")
        line(nil, "context:   \(config.contextName)   user: \(config.userName) (\(config.authMethod))   namespace: \(config.namespace)")
        line(nil, "server:    \(config.server)")

        let version = access.send(ClusterRequest(method: "GET", path: "/version", timeoutMs: 10_000))
        guard version.status == 200 else {
            line(false, "API server: \(version.errorMessage ?? "HTTP \(version.status)")")
            throw ExitCode(1)
        }
        line(true, "API server answers: Kubernetes \(version.bodyJSON["gitVersion"]?.string ?? "?")")

        let crds = access.send(ClusterRequest(method: "GET", path: "/apis/trainer.kubeflow.org/v1alpha1"))
        let resources = crds.bodyJSON["resources"]?.array?.compactMap { $0["name"]?.string } ?? []
        let needed = ["trainjobs", "trainingruntimes", "clustertrainingruntimes"]
        line(crds.status == 200 && needed.allSatisfy(resources.contains),
             crds.status == 200 ? "Kubeflow Trainer CRDs: \(needed.filter(resources.contains).joined(separator: ", "))"
                                : "Kubeflow Trainer CRDs not installed (\(crds.errorMessage ?? "HTTP \(crds.status)"))")

        let cm = access.send(ClusterRequest(method: "GET", path: "/api/v1/namespaces/kubeflow-system/configmaps/kubeflow-trainer-public"))
        let trainerVersion = cm.bodyJSON["data"]?["kubeflow_trainer_version"]?.string
        line(trainerVersion != nil, "Kubeflow Trainer version: \(trainerVersion ?? "unknown (\(cm.errorMessage ?? "no kubeflow-trainer-public ConfigMap"))")")

        let review = access.send(ClusterRequest(method: "POST", path: "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                                                body: ["apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"]))
        if let user = review.bodyJSON["status"]?["userInfo"]?["username"]?.string {
            line(nil, "identity:  \(user)")
        }
        for verb in ["create", "list", "delete"] {
            let body: JSON = ["apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                              "spec": ["resourceAttributes": ["group": "trainer.kubeflow.org", "resource": "trainjobs",
                                                              "verb": .string(verb), "namespace": .string(config.namespace)]]]
            let answer = access.send(ClusterRequest(method: "POST", path: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body: body))
            let allowed = answer.bodyJSON["status"]?["allowed"]?.bool
            line(allowed ?? false, "may \(verb) trainjobs in \(config.namespace): \(allowed.map { $0 ? "yes" : "no" } ?? (answer.errorMessage ?? "unknown"))")
        }
        if problems > 0 { throw ExitCode(1) }
    }
}
