import Foundation
import KFJSON

/// Runs a kubeconfig `exec` credential plugin (client.authentication.k8s.io)
/// and reads the ExecCredential it prints.
struct ExecCredentialPlugin {
    static let supportedAPIVersions = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"]
    /// A plugin that hangs (waiting for a browser login, say) must not hang the server.
    static let timeoutSeconds: Double = 60

    /// What the plugin returned. Never logged or put into messages.
    struct Credential: Sendable {
        var token: String?
        var clientCertificate: ClientCertificate?
        var expiration: Date?
    }

    let config: ExecPluginConfig
    /// For messages: "the exec plugin \"aws\" of user \"dev\"".
    let label: String

    init(config: ExecPluginConfig, userName: String) {
        self.config = config
        self.label = "the exec credential plugin \"\((config.command as NSString).lastPathComponent)\" of user \"\(userName)\""
    }

    func run() throws(KubeError) -> Credential {
        let executable = try locateCommand()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = config.args
        var environment = config.baseEnvironment
        for item in config.env { environment[item.name] = item.value }
        environment["KUBERNETES_EXEC_INFO"] = execInfo()
        process.environment = environment
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice

        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        do {
            try process.run()
        } catch {
            throw failure("could not be started (\(error.localizedDescription))")
        }
        // Read both pipes before waiting, so a chatty plugin cannot block on a full pipe.
        let errorOutput = Locked(Data())
        let errorReader = Thread { errorOutput.withLock { $0 = stderr.fileHandleForReading.readDataToEndOfFile() } }
        errorReader.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        if finished.wait(timeout: .now() + Self.timeoutSeconds) == .timedOut {
            process.terminate()
            throw failure("did not finish within \(Int(Self.timeoutSeconds)) seconds")
        }
        // stderr reaches EOF once the process is gone; wait for the reader to have it.
        var stderrText = ""
        for _ in 0..<100 {
            stderrText = errorOutput.withLock { String(decoding: $0, as: UTF8.self) }
            if errorReader.isFinished { break }
            Thread.sleep(forTimeInterval: 0.01)
        }
        guard process.terminationStatus == 0 else {
            let detail = stderrText.trimmingCharacters(in: .whitespacesAndNewlines)
            throw failure("exited with status \(process.terminationStatus)"
                + (detail.isEmpty ? "" : ": " + String(detail.prefix(400))))
        }
        return try parse(output)
    }

    func parse(_ output: Data) throws(KubeError) -> Credential {
        guard let json = try? JSON.parse(utf8: output), json["kind"]?.string == "ExecCredential" else {
            throw failure("did not print an ExecCredential JSON object")
        }
        if let version = json["apiVersion"]?.string, version != config.apiVersion {
            throw failure("answered with apiVersion \(version), but the kubeconfig asks for \(config.apiVersion)")
        }
        guard let status = json["status"] else { throw failure("printed an ExecCredential without status") }
        var credential = Credential()
        credential.token = nonEmpty(status["token"]?.string)
        if let cert = nonEmpty(status["clientCertificateData"]?.string),
           let key = nonEmpty(status["clientKeyData"]?.string) {
            credential.clientCertificate = ClientCertificate(certificatePEM: Array(cert.utf8), keyPEM: Array(key.utf8))
        }
        if let stamp = status["expirationTimestamp"]?.string {
            guard let date = Self.parseTimestamp(stamp) else {
                throw failure("printed an expirationTimestamp that is not RFC 3339 (\(stamp))")
            }
            credential.expiration = date
        }
        guard credential.token != nil || credential.clientCertificate != nil else {
            throw failure("printed neither status.token nor status.clientCertificateData/clientKeyData")
        }
        return credential
    }

    /// RFC 3339, with or without fractional seconds. FoundationEssentials' ISO 8601 style, not
    /// ISO8601DateFormatter (a CFDateFormatter: ICU paged into the server).
    static func parseTimestamp(_ text: String) -> Date? {
        try? Date.ISO8601FormatStyle().parse(text)
    }

    /// The KUBERNETES_EXEC_INFO the plugin may read: never interactive here,
    /// since stdin belongs to the MCP protocol.
    private func execInfo() -> String {
        var spec: JSON = ["interactive": false]
        if config.provideClusterInfo {
            var cluster: JSON = ["server": .string(config.clusterServer)]
            if config.clusterInsecureSkipVerify { cluster["insecure-skip-tls-verify"] = true }
            if let ca = config.clusterCertificateAuthorityPEM {
                cluster["certificate-authority-data"] = .string(Data(ca).base64EncodedString())
            }
            spec["cluster"] = cluster
        }
        let info: JSON = ["apiVersion": .string(config.apiVersion), "kind": "ExecCredential", "spec": spec]
        return info.serialized()
    }

    private func locateCommand() throws(KubeError) -> String {
        let command = config.command
        if command.contains("/") {
            if FileManager.default.isExecutableFile(atPath: command) { return command }
            throw failure("is not an executable file at \(command)" + hint())
        }
        let searchPath = config.baseEnvironment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in searchPath.split(separator: ":") {
            let candidate = (String(directory) as NSString).appendingPathComponent(command)
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw failure("was not found in PATH" + hint())
    }

    private func hint() -> String {
        config.installHint.map { ". " + $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
    }

    private func failure(_ what: String) -> KubeError {
        KubeError(reason: "Unauthorized", message: "Could not get credentials: \(label) \(what).")
    }
}
