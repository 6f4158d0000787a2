import Foundation
import Testing
@testable import KubeClient

@Suite struct KubeConfigResolutionTests {
    static let twoContexts = """
        apiVersion: v1
        kind: Config
        current-context: dev
        clusters:
        - name: dev-cluster
          cluster:
            server: https://dev.example:6443
        - name: prod-cluster
          cluster:
            server: https://prod.example/k8s
            tls-server-name: api.prod.example
            proxy-url: http://proxy.example:3128
            insecure-skip-tls-verify: true
        users:
        - name: dev-user
          user:
            token: dev-secret-token
        - name: prod-user
          user:
            username: admin
            password: hunter2
        contexts:
        - name: dev
          context:
            cluster: dev-cluster
            user: dev-user
            namespace: team-a
        - name: prod
          context:
            cluster: prod-cluster
            user: prod-user
        """

    @Test func currentContextIsUsed() throws {
        let directory = TestFiles.makeDirectory()
        let config = try KubeClientFactory.resolve(Self.twoContexts, in: directory)
        #expect(config.contextName == "dev")
        #expect(config.clusterName == "dev-cluster")
        #expect(config.server == "https://dev.example:6443")
        #expect(config.namespace == "team-a")
        #expect(config.userName == "dev-user")
        #expect(config.authMethod == "token")
        #expect(config.source == "kubeconfig:\(directory)/config")
        // Credentials never show up in what may be logged.
        #expect(!config.description.contains("dev-secret-token"))
        #expect(!String(describing: config).contains("dev-secret-token"))
    }

    @Test func contextOverrideAndDefaultNamespace() throws {
        let config = try KubeClientFactory.resolve(Self.twoContexts, context: "prod")
        #expect(config.contextName == "prod")
        #expect(config.server == "https://prod.example/k8s")
        #expect(config.namespace == "default")
        #expect(config.authMethod == "basic")
        #expect(config.proxyURL == "http://proxy.example:3128")
        #expect(config.tls.serverName == "api.prod.example")
        #expect(config.tls.insecureSkipVerify)
    }

    @Test func namespaceOption() throws {
        let path = TestFiles.write(Self.twoContexts, to: TestFiles.makeDirectory() + "/config")
        let config = try ResolvedKubeConfig.resolve(
            KubeConfigOptions(kubeconfigPath: path, namespace: "override", environment: [:]))
        #expect(config.namespace == "override")
    }

    @Test func unknownContextListsTheAvailableOnes() {
        #expect {
            try KubeClientFactory.resolve(Self.twoContexts, context: "staging")
        } throws: { error in
            let message = "\(error)"
            return message.contains("\"staging\"") && message.contains("available contexts: dev, prod")
                && message.contains("--context")
        }
    }

    @Test func missingCurrentContext() {
        let yaml = Self.twoContexts.replacingOccurrences(of: "current-context: dev\n", with: "")
        #expect {
            try KubeClientFactory.resolve(yaml)
        } throws: { error in
            "\(error)".contains("No current-context") && "\(error)".contains("use-context")
        }
    }

    @Test func contextNamingAMissingCluster() {
        let yaml = Self.twoContexts.replacingOccurrences(of: "cluster: dev-cluster", with: "cluster: gone")
        #expect {
            try KubeClientFactory.resolve(yaml)
        } throws: { error in
            "\(error)".contains("cluster \"gone\"")
        }
    }

    @Test func missingKubeconfigFile() {
        let options = KubeConfigOptions(kubeconfigPath: "/nonexistent/kubeconfig", environment: [:])
        #expect(throws: KubeConfigError(
            "The kubeconfig file /nonexistent/kubeconfig given with --kubeconfig does not exist.")) {
            try ResolvedKubeConfig.resolve(options)
        }
    }

    @Test func invalidYAML() {
        #expect {
            try KubeClientFactory.resolve("clusters: [unclosed")
        } throws: { error in
            "\(error)".contains("not valid YAML")
        }
    }

    @Test func caAndInsecureTogetherIsRefused() {
        let yaml = KubeClientFactory.kubeconfig(server: "https://x", cluster: [
            "insecure-skip-tls-verify: true", "certificate-authority-data: \(Data("pem".utf8).base64EncodedString())",
        ])
        #expect {
            try KubeClientFactory.resolve(yaml)
        } throws: { error in
            "\(error)".contains("insecure-skip-tls-verify")
        }
    }

    @Test func legacyAuthProviderIsExplained() {
        let yaml = KubeClientFactory.kubeconfig(server: "https://x", user: ["auth-provider:", "  name: gcp"])
        #expect {
            try KubeClientFactory.resolve(yaml)
        } throws: { error in
            "\(error)".contains("gke-gcloud-auth-plugin")
        }
    }

    @Test func relativePathsResolveAgainstTheKubeconfigDirectory() throws {
        let directory = TestFiles.makeDirectory()
        TestFiles.write("CA PEM", to: directory + "/pki/ca.pem")
        TestFiles.write("CERT PEM", to: directory + "/pki/client.pem")
        TestFiles.write("KEY PEM", to: directory + "/pki/client-key.pem")
        TestFiles.write("file-token\n", to: directory + "/token")
        let yaml = KubeClientFactory.kubeconfig(
            server: "https://x",
            cluster: ["certificate-authority: pki/ca.pem"],
            user: ["client-certificate: pki/client.pem", "client-key: ./pki/client-key.pem", "tokenFile: token"])
        let config = try KubeClientFactory.resolve(yaml, in: directory)
        #expect(config.tls.certificateAuthorityPEM == Array("CA PEM".utf8))
        #expect(config.tls.clientCertificate == ClientCertificate(certificatePEM: Array("CERT PEM".utf8),
                                                                  keyPEM: Array("KEY PEM".utf8)))
        guard case .tokenFile(let path) = config.credentials else {
            Issue.record("expected a token file, got \(config.authMethod)")
            return
        }
        #expect(path == directory + "/token")
        #expect(try CredentialProvider(config: config).current().bearerToken == "file-token")
    }

    @Test func missingCertificateFileIsNamed() {
        let yaml = KubeClientFactory.kubeconfig(server: "https://x", cluster: ["certificate-authority: nope.pem"])
        #expect {
            try KubeClientFactory.resolve(yaml)
        } throws: { error in
            "\(error)".contains("nope.pem") && "\(error)".contains("cluster \"test-cluster\"")
        }
    }

    @Test func inlineCertificateData() throws {
        let yaml = KubeClientFactory.kubeconfig(
            server: "https://x",
            cluster: ["certificate-authority-data: " + Data("CA".utf8).base64EncodedString()],
            user: ["client-certificate-data: " + Data("CERT".utf8).base64EncodedString(),
                   "client-key-data: " + Data("KEY".utf8).base64EncodedString()])
        let config = try KubeClientFactory.resolve(yaml)
        #expect(config.tls.certificateAuthorityPEM == Array("CA".utf8))
        #expect(config.tls.clientCertificate?.keyPEM == Array("KEY".utf8))
        #expect(config.authMethod == "client-cert")
    }

    @Test func certificateWithoutKey() {
        let yaml = KubeClientFactory.kubeconfig(
            server: "https://x", user: ["client-certificate-data: " + Data("CERT".utf8).base64EncodedString()])
        #expect {
            try KubeClientFactory.resolve(yaml)
        } throws: { error in
            "\(error)".contains("no client key")
        }
    }
}

@Suite struct KubeconfigMergeTests {
    /// KUBECONFIG=a:missing:b — the first file to define a name wins; the
    /// current-context comes from the first file that sets one.
    @Test func kubeconfigListMergesInKubectlOrder() throws {
        let directory = TestFiles.makeDirectory()
        let first = TestFiles.write("""
            clusters:
            - name: shared
              cluster: {server: "https://from-first"}
            users:
            - name: u
              user: {token: first}
            contexts:
            - name: a
              context: {cluster: shared, user: u, namespace: first-ns}
            """, to: directory + "/first")
        let second = TestFiles.write("""
            current-context: b
            clusters:
            - name: shared
              cluster: {server: "https://from-second"}
            - name: only-second
              cluster: {server: "https://only-second"}
            contexts:
            - name: a
              context: {cluster: only-second, user: u}
            - name: b
              context: {cluster: shared, user: u}
            """, to: directory + "/second")
        let environment = ["KUBECONFIG": "\(first):\(directory)/missing:\(second)", "HOME": directory]
        let b = try ResolvedKubeConfig.resolve(KubeConfigOptions(environment: environment))
        #expect(b.contextName == "b")
        #expect(b.server == "https://from-first")
        #expect(b.source == "kubeconfig:" + second)
        #expect(b.authMethod == "token")

        let a = try ResolvedKubeConfig.resolve(KubeConfigOptions(context: "a", environment: environment))
        #expect(a.server == "https://from-first")
        #expect(a.namespace == "first-ns")
    }

    @Test func kubeconfigListWithNoExistingFile() {
        let environment = ["KUBECONFIG": "/nonexistent/a:/nonexistent/b", "HOME": "/nonexistent"]
        #expect {
            try ResolvedKubeConfig.resolve(KubeConfigOptions(environment: environment))
        } throws: { error in
            "\(error)".contains("KUBECONFIG") && "\(error)".contains("/nonexistent/a")
        }
    }

    @Test func homeKubeConfig() throws {
        let home = TestFiles.makeDirectory("home")
        TestFiles.write(KubeClientFactory.kubeconfig(server: "https://home.example"), to: home + "/.kube/config")
        let config = try ResolvedKubeConfig.resolve(KubeConfigOptions(environment: ["HOME": home]))
        #expect(config.server == "https://home.example")
        #expect(config.source == "kubeconfig:\(home)/.kube/config")
    }

    @Test func nothingConfigured() {
        let options = KubeConfigOptions(environment: ["HOME": TestFiles.makeDirectory("empty-home")],
                                        inClusterDir: "/nonexistent")
        #expect {
            try ResolvedKubeConfig.resolve(options)
        } throws: { error in
            "\(error)".contains("No Kubernetes configuration found")
        }
    }
}

@Suite struct InClusterTests {
    /// A JWT whose payload names a service account (signature is irrelevant here).
    static func serviceAccountToken(_ subject: String) -> String {
        let payload = Data(#"{"sub":"\#(subject)"}"#.utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "")
        return "eyJhbGciOiJSUzI1NiJ9.\(payload).c2lnbmF0dXJl"
    }

    static func serviceAccountDirectory(token: String, namespace: String?, ca: String? = "CA PEM") -> String {
        let directory = TestFiles.makeDirectory("serviceaccount")
        TestFiles.write(token, to: directory + "/token")
        if let namespace { TestFiles.write(namespace + "\n", to: directory + "/namespace") }
        if let ca { TestFiles.write(ca, to: directory + "/ca.crt") }
        return directory
    }

    @Test func podLayout() throws {
        let directory = Self.serviceAccountDirectory(
            token: Self.serviceAccountToken("system:serviceaccount:ml:trainer"), namespace: "ml")
        let options = KubeConfigOptions(
            environment: ["HOME": "/nonexistent", "KUBERNETES_SERVICE_HOST": "10.96.0.1",
                          "KUBERNETES_SERVICE_PORT": "443"],
            inClusterDir: directory)
        let config = try ResolvedKubeConfig.resolve(options)
        #expect(config.server == "https://10.96.0.1:443")
        #expect(config.source == "in-cluster")
        #expect(config.namespace == "ml")
        #expect(config.userName == "system:serviceaccount:ml:trainer")
        #expect(config.authMethod == "token")
        #expect(config.tls.certificateAuthorityPEM == Array("CA PEM".utf8))
    }

    @Test func ipv6ServiceHostAndDefaultNamespace() throws {
        let directory = Self.serviceAccountDirectory(token: "opaque", namespace: nil)
        let options = KubeConfigOptions(environment: ["HOME": "/nonexistent", "KUBERNETES_SERVICE_HOST": "fd00::1",
                                                      "KUBERNETES_SERVICE_PORT": "6443"],
                                        inClusterDir: directory)
        let config = try ResolvedKubeConfig.resolve(options)
        #expect(config.server == "https://[fd00::1]:6443")
        #expect(config.namespace == "default")
    }

    /// Kubelet's projected token layout: token -> ..data/token, ..data -> ..<timestamp>.
    /// Rotation re-points ..data; the file behind `token` changes, the link does not.
    @Test func projectedTokenRotationThroughSymlinks() throws {
        let directory = TestFiles.makeDirectory("projected")
        let files = FileManager.default
        TestFiles.write("first", to: directory + "/..2024_01/token")
        try files.createSymbolicLink(atPath: directory + "/..data", withDestinationPath: "..2024_01")
        try files.createSymbolicLink(atPath: directory + "/token", withDestinationPath: "..data/token")
        TestFiles.write("default", to: directory + "/namespace")
        let config = try ResolvedKubeConfig.resolve(KubeConfigOptions(
            environment: ["KUBERNETES_SERVICE_HOST": "10.0.0.1"], inClusterDir: directory))
        let provider = CredentialProvider(config: config)
        #expect(try provider.current().bearerToken == "first")

        TestFiles.write("second", to: directory + "/..2024_02/token")
        try files.createSymbolicLink(atPath: directory + "/..data_tmp", withDestinationPath: "..2024_02")
        _ = rename(directory + "/..data_tmp", directory + "/..data")
        #expect(try provider.current().bearerToken == "second")
    }

    @Test func kubeconfigWinsOverInCluster() throws {
        let home = TestFiles.makeDirectory("home")
        TestFiles.write(KubeClientFactory.kubeconfig(server: "https://home.example"), to: home + "/.kube/config")
        let directory = Self.serviceAccountDirectory(token: "t", namespace: "ml")
        let config = try ResolvedKubeConfig.resolve(KubeConfigOptions(
            environment: ["HOME": home, "KUBERNETES_SERVICE_HOST": "10.0.0.1"], inClusterDir: directory))
        #expect(config.source.hasPrefix("kubeconfig:"))
    }
}
