import Foundation

/// A throwaway CA with a server certificate (for 127.0.0.1, localhost and
/// kubernetes.test) and a client certificate, made with the openssl CLI once per run.
struct TestCertificates: Sendable {
    let directory: String
    var caCert: String { directory + "/ca.crt" }
    var serverCert: String { directory + "/server.crt" }
    var serverKey: String { directory + "/server.key" }
    var clientCert: String { directory + "/client.crt" }
    var clientKey: String { directory + "/client.key" }

    static let shared = TestCertificates.generate()

    private static func generate() -> TestCertificates {
        let directory = TestFiles.makeDirectory("pki")
        let openssl = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        } ?? "/usr/bin/openssl"
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        func run(_ arguments: [String]) { TestFiles.run(openssl, arguments, in: directory) }

        run(["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
                                     "-subj", "/CN=kubeclient test CA"])
        TestFiles.write("subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.test\n"
                        + "extendedKeyUsage=serverAuth\n", to: directory + "/server.ext")
        run(["req"] + ec + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=kube-apiserver"])
        run(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "server.crt", "-days", "2", "-extfile", "server.ext"])
        TestFiles.write("extendedKeyUsage=clientAuth\n", to: directory + "/client.ext")
        run(["req"] + ec + ["-keyout", "client.key", "-out", "client.csr", "-subj", "/O=system:masters/CN=test-admin"])
        run(["x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "client.crt", "-days", "2", "-extfile", "client.ext"])
        return TestCertificates(directory: directory)
    }

    /// base64 of a file, as kubeconfig *-data fields hold it.
    static func base64(_ path: String) -> String {
        FileManager.default.contents(atPath: path)!.base64EncodedString()
    }
}
