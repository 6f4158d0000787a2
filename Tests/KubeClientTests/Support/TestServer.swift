import Foundation

/// The Python test server, started once per configuration and shared by tests.
/// It exits by itself when this process ends (its stdin closes).
final class TestServer: @unchecked Sendable {
    let port: Int
    let scheme: String
    private let process: Process
    private let stdin: Pipe

    var url: String { "\(scheme)://127.0.0.1:\(port)" }

    static let plain = TestServer(arguments: [])
    static let tls = TestServer(arguments: [
        "--cert", TestCertificates.shared.serverCert, "--key", TestCertificates.shared.serverKey,
        "--client-ca", TestCertificates.shared.caCert,
    ])
    static let mutualTLS = TestServer(arguments: [
        "--cert", TestCertificates.shared.serverCert, "--key", TestCertificates.shared.serverKey,
        "--client-ca", TestCertificates.shared.caCert, "--require-client-cert",
    ])

    private static let scriptPath: String = TestFiles.write(testServerScript,
                                                            to: TestFiles.makeDirectory("server") + "/server.py")

    private init(arguments: [String]) {
        scheme = arguments.contains("--cert") ? "https" : "http"
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.scriptPath] + arguments
        stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try! process.run()
        // The first line is "PORT <n>".
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = stdout.fileHandleForReading.availableData
            precondition(!chunk.isEmpty, "the test server exited before listening")
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        port = Int(text.split(separator: " ")[1].trimmingCharacters(in: .whitespacesAndNewlines))!
    }

    /// How many requests a counting route has seen under `key`.
    func count(_ key: String) -> Int {
        let client = KubeClientFactory.plain(server: url)
        let response = client.send(.init(path: "/count/\(key)"))
        return JSONBody(response.body)["count"]?.int ?? -1
    }
}
