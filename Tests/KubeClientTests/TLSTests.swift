import Foundation
import KFJSON
import Testing
@testable import KubeClient

/// HTTPS against the test server with a CA made by openssl for this run.
@Suite struct TLSTests {
    let certificates = TestCertificates.shared

    func get(_ server: TestServer, cluster: [String], user: [String] = [],
             path: String = "/echo") throws -> KubeResponse {
        let client = try KubeClientFactory.client(KubeClientFactory.kubeconfig(server: server.url, cluster: cluster,
                                                                               user: user))
        return client.send(KubeRequest(path: path))
    }

    @Test func serverVerifiedWithCAFile() throws {
        let response = try get(.tls, cluster: ["certificate-authority: \(certificates.caCert)"])
        #expect(response.status == 200)
        #expect(response.error == nil)
    }

    @Test func serverVerifiedWithCAData() throws {
        let response = try get(.tls, cluster: ["certificate-authority-data: " + TestCertificates.base64(certificates.caCert)])
        #expect(response.status == 200)
    }

    @Test func untrustedServerIsATLSError() throws {
        // No CA configured: the system trust store does not know the test CA.
        let response = try get(.tls, cluster: [])
        #expect(response.status == 0)
        #expect(response.error?.reason == "TLS")
        #expect(response.error?.message.contains(TestServer.tls.url) == true)
        #expect(response.error?.message.contains("not trusted") == true)
    }

    @Test func wrongCAIsATLSError() throws {
        // The client certificate is not a CA: verification must fail.
        let response = try get(.tls, cluster: ["certificate-authority: \(certificates.clientCert)"])
        #expect(response.error?.reason == "TLS")
        #expect(response.error?.message.contains("certificate-authority \(certificates.clientCert)") == true)
    }

    @Test func insecureSkipTLSVerify() throws {
        let response = try get(.tls, cluster: ["insecure-skip-tls-verify: true"])
        #expect(response.status == 200)
    }

    @Test func tlsServerNameIsUsedForVerification() throws {
        // The certificate is valid for kubernetes.test; the URL says 127.0.0.1.
        let response = try get(.tls, cluster: ["certificate-authority: \(certificates.caCert)",
                                               "tls-server-name: kubernetes.test"])
        #expect(response.status == 200)
        #expect(JSONBody(response.body)["host"]?.string?.hasPrefix("kubernetes.test") == true)

        let wrongName = try get(.tls, cluster: ["certificate-authority: \(certificates.caCert)",
                                                "tls-server-name: other.test"])
        #expect(wrongName.error?.reason == "TLS")
    }

    @Test func clientCertificateFromFiles() throws {
        let response = try get(.mutualTLS, cluster: ["certificate-authority: \(certificates.caCert)"],
                               user: ["client-certificate: \(certificates.clientCert)",
                                      "client-key: \(certificates.clientKey)"])
        #expect(response.status == 200)
        #expect(JSONBody(response.body)["clientCert"] == "test-admin")
    }

    @Test func clientCertificateFromData() throws {
        let response = try get(.mutualTLS, cluster: ["certificate-authority: \(certificates.caCert)"],
                               user: ["client-certificate-data: " + TestCertificates.base64(certificates.clientCert),
                                      "client-key-data: " + TestCertificates.base64(certificates.clientKey)])
        #expect(response.status == 200)
        #expect(JSONBody(response.body)["clientCert"] == "test-admin")
    }

    @Test func missingClientCertificateIsATLSError() throws {
        let response = try get(.mutualTLS, cluster: ["certificate-authority: \(certificates.caCert)"])
        #expect(response.status == 0)
        #expect(response.error?.reason == "TLS", "\(String(describing: response.error))")
        #expect(response.error?.message.contains("requires a client certificate") == true)
    }

    @Test func bearerTokenOverTLS() throws {
        let response = try get(.tls, cluster: ["certificate-authority: \(certificates.caCert)"],
                               user: ["token: tls-token"], path: "/bearer?expect=tls-token")
        #expect(response.status == 200)
        let rejected = try get(.tls, cluster: ["certificate-authority: \(certificates.caCert)"],
                               user: ["token: wrong"], path: "/bearer?expect=tls-token")
        #expect(rejected.error?.reason == "Unauthorized")
    }

    /// In a pod: token, CA and namespace from the service-account directory; a
    /// rotated token file is picked up without a restart.
    @Test func inClusterTokenRotation() throws {
        let directory = InClusterTests.serviceAccountDirectory(
            token: "token-one", namespace: "ml", ca: TestFiles.read(certificates.caCert))
        let config = try ResolvedKubeConfig.resolve(KubeConfigOptions(
            environment: ["KUBERNETES_SERVICE_HOST": "127.0.0.1",
                          "KUBERNETES_SERVICE_PORT": String(TestServer.tls.port)],
            inClusterDir: directory))
        let client = KubeClient(config: config)
        let first = client.send(KubeRequest(path: "/echo"))
        #expect(JSONBody(first.body)["authorization"] == "Bearer token-one")

        // Kubelet rotates by swapping in a new file.
        TestFiles.write("token-two-longer", to: directory + "/token")
        let second = client.send(KubeRequest(path: "/echo"))
        #expect(JSONBody(second.body)["authorization"] == "Bearer token-two-longer")
    }
}
