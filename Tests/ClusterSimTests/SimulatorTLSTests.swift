import ClusterSim
import Foundation
import Testing

/// TLS set-up of the simulator (the traffic itself is checked end to end in
/// Tests/e2e/test_tls.py, with curl-based, Go and Python clients).
@Suite("TLS front door") struct SimulatorTLSTests {
    @Test func servesHTTPSAndWritesAKubeconfigThatTrustsItsCertificate() async throws {
        let certificate = try SelfSignedCertificate.generate()
        defer { certificate.remove() }
        let simulator = try ClusterSimulator(timeScale: 100)
        let url = try await simulator.start(tls: certificate.options)
        #expect(url.scheme == "https")

        let path = certificate.directory.appendingPathComponent("kubeconfig").path
        try simulator.writeKubeconfig(to: path)
        await simulator.stop()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let line = text.split(separator: "\n").first { $0.contains("certificate-authority-data:") }
        let encoded = line.map { String($0.split(separator: " ").last ?? "") } ?? ""
        let pem = Data(base64Encoded: encoded).map { String(decoding: $0, as: UTF8.self) }
        #expect(pem == (try String(contentsOfFile: certificate.options.certificatePath, encoding: .utf8)))
        #expect(text.contains("server: \(url.absoluteString)"))
    }

    @Test func aMissingCertificateIsAClearError() async throws {
        let simulator = try ClusterSimulator(timeScale: 100)
        let options = TLSOptions(certificatePath: "/nonexistent/server.crt", keyPath: "/nonexistent/server.key")
        await #expect {
            try await simulator.start(tls: options)
        } throws: { error in
            "\(error)".contains("/nonexistent/server.crt")
        }
        #expect(simulator.url == nil)
    }

    @Test func plainHTTPStaysTheDefault() async throws {
        let simulator = try ClusterSimulator(timeScale: 100)
        let url = try await simulator.start()
        await simulator.stop()
        #expect(url.scheme == "http")
        #expect(simulator.serverCertificatePEM == nil)
    }
}
