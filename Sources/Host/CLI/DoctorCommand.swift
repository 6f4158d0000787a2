import ArgumentParser
import Foundation
import HostCore
import KFJSON

/// What `doctor` checks, each on one line: configuration; the plugins found
/// (how many loaded, each refused or disabled one with its reason: a refused
/// plugin counts as a problem, a disabled one, the operator's choice, does not);
/// reachability, server version and identity; then what each plugin needs from the cluster, from the
/// read-only tools that declare a doctor argument (`"x-kfmcp-doctor"` in the
/// header), run through the host like any call (policy, validation, redaction).
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor", abstract: "Check the connection to Kubernetes and what the loaded plugins need from it.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var cluster: ClusterOptions

    func run() async throws {
        let (host, policy) = try common.startHost()
        defer { host.shutdown() }
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

        let records = host.registry.records
        line(nil, "plugins:   \(records.filter { $0.status == .loaded }.count) loaded")
        for record in records where record.status != .loaded {
            let name = record.pluginID ?? (record.path as NSString).lastPathComponent
            line(record.status == .refused ? false : nil,
                 "plugin \(name) \(record.status.rawValue) (\(record.path)): \(record.reason ?? "no reason given")")
        }

        let version = access.send(ClusterRequest(method: "GET", path: "/version", timeoutMs: 10_000))
        guard version.status == 200 else {
            line(false, "API server: \(version.errorMessage ?? "HTTP \(version.status)")")
            throw ExitCode(1)
        }
        line(true, "API server answers: Kubernetes \(version.bodyJSON["gitVersion"]?.string ?? "?")")

        let review = access.send(ClusterRequest(method: "POST", path: "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                                                body: ["apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"]))
        if let user = review.bodyJSON["status"]?["userInfo"]?["username"]?.string {
            line(nil, "identity:  \(user)")
        }

        // A layer this kernel lacks is said, not counted: plugins still run, with the other layers.
        for probe in PluginSandbox.probe() {
            print((probe.available ? "✓ " : "! ") + "plugin sandbox \(probe.layer.rawValue): \(probe.detail)")
        }

        let invoker = ToolInvoker(environment: host.environment(policy: policy, cluster: ClusterIdentity(access: access)))
        for spec in host.registry.orderedTools {
            guard let argument = spec.doctorArgument else { continue }
            let result = await invoker.call(name: spec.name, arguments: [argument: true], origin: .doctor)
            guard !result.isError, let checks = result.structured?["checks"]?.array else {
                line(false, "\(spec.name) (plugin \(spec.pluginID)): \(result.text.isEmpty ? "returned no checks" : result.text)")
                continue
            }
            for check in checks { line(check["ok"]?.bool, check["text"]?.string ?? "?") }
        }
        connection.simulator?.stop()
        if problems > 0 { throw ExitCode(1) }
    }
}
