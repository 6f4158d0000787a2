import Foundation
import KFJSON
import Testing
@testable import KubeClient

/// kubeconfig `exec` credential plugins, played by shell scripts the tests write.
@Suite struct ExecCredentialTests {
    let server = TestServer.plain

    /// A plugin printing `tok-<n>` for its n-th run, counting runs in a file,
    /// and saving its KUBERNETES_EXEC_INFO and one env var for inspection.
    func plugin(expiration: String? = nil, apiVersion: String = "client.authentication.k8s.io/v1",
                in directory: String) -> String {
        let expiry = expiration.map { #","expirationTimestamp":"\#($0)""# } ?? ""
        return TestFiles.write("""
            #!/bin/sh
            n=$(cat "$COUNTER_FILE" 2>/dev/null || echo 0)
            n=$((n + 1))
            echo "$n" > "$COUNTER_FILE"
            printf '%s' "$KUBERNETES_EXEC_INFO" > "\(directory)/exec-info.json"
            printf '%s' "$1" > "\(directory)/arg1"
            printf '{"apiVersion":"\(apiVersion)","kind":"ExecCredential","status":{"token":"tok-%s"\(expiry)}}' "$n"

            """, to: directory + "/bin/get-token", executable: true)
    }

    func kubeconfig(command: String, directory: String, apiVersion: String = "client.authentication.k8s.io/v1",
                    extra: [String] = []) -> String {
        KubeClientFactory.kubeconfig(server: server.url, user: [
            "exec:",
            "  apiVersion: \(apiVersion)",
            "  command: \(command)",
            "  args: [--region, eu]",
            "  env:",
            "  - {name: COUNTER_FILE, value: \(directory)/count}",
            "  provideClusterInfo: true",
        ] + extra.map { "  " + $0 })
    }

    func runs(_ directory: String) -> Int {
        Int(TestFiles.read(directory + "/count")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
    }

    @Test func tokenIsCachedWithoutExpiry() throws {
        let directory = TestFiles.makeDirectory("exec")
        _ = plugin(in: directory)
        // A relative command path resolves against the kubeconfig's directory.
        let config = try KubeClientFactory.resolve(kubeconfig(command: "./bin/get-token", directory: directory),
                                                   in: directory)
        let client = KubeClient(config: config)
        #expect(client.config.authMethod == "exec")
        for _ in 0..<3 {
            let echo = JSONBody(client.send(KubeRequest(path: "/echo")).body)
            #expect(echo["authorization"] == "Bearer tok-1")
        }
        #expect(runs(directory) == 1)
        #expect(TestFiles.read(directory + "/arg1") == "--region")
        let info = try JSON.parse(TestFiles.read(directory + "/exec-info.json") ?? "")
        #expect(info["apiVersion"] == "client.authentication.k8s.io/v1")
        #expect(info["kind"] == "ExecCredential")
        #expect(info["spec"]?["interactive"] == false)
        #expect(info["spec"]?["cluster"]?["server"] == .string(server.url))
    }

    @Test func expiredTokenIsFetchedAgain() throws {
        let directory = TestFiles.makeDirectory("exec")
        let command = plugin(expiration: "2020-01-01T00:00:00Z", apiVersion: "client.authentication.k8s.io/v1beta1",
                             in: directory)
        let client = try KubeClientFactory.client(kubeconfig(
            command: command, directory: directory, apiVersion: "client.authentication.k8s.io/v1beta1"))
        _ = client.send(KubeRequest(path: "/echo"))
        let second = JSONBody(client.send(KubeRequest(path: "/echo")).body)
        #expect(second["authorization"] == "Bearer tok-2")
        #expect(runs(directory) == 2)
    }

    @Test func unexpiredTokenIsKept() throws {
        let directory = TestFiles.makeDirectory("exec")
        let command = plugin(expiration: "2999-01-01T00:00:00Z", in: directory)
        let client = try KubeClientFactory.client(kubeconfig(command: command, directory: directory))
        _ = client.send(KubeRequest(path: "/echo"))
        _ = client.send(KubeRequest(path: "/echo"))
        #expect(runs(directory) == 1)
    }

    @Test func unauthorizedRerunsThePluginOnce() throws {
        let directory = TestFiles.makeDirectory("exec")
        let command = plugin(in: directory)
        let client = try KubeClientFactory.client(kubeconfig(command: command, directory: directory))
        // The server wants tok-2: the first token is rejected, the re-run one accepted.
        let key = uniqueKey("bearer")
        let response = client.send(KubeRequest(method: "POST", path: "/bearer", query: [("expect", "tok-2"), ("key", key)]))
        #expect(response.status == 200)
        #expect(runs(directory) == 2)
        #expect(server.count(key) == 2)

        // Still rejected after the re-run: one retry only, then an explained 401.
        let never = uniqueKey("bearer")
        let rejected = client.send(KubeRequest(path: "/bearer", query: [("expect", "never"), ("key", never)]))
        #expect(rejected.error?.reason == "Unauthorized")
        #expect(rejected.error?.message.contains("exec plugin of user \"test-user\"") == true)
        #expect(server.count(never) == 2)
    }

    @Test func failingPluginIsExplained() throws {
        let directory = TestFiles.makeDirectory("exec")
        let command = TestFiles.write("#!/bin/sh\necho 'token expired, run: cloud login' >&2\nexit 3\n",
                                      to: directory + "/failing", executable: true)
        let client = try KubeClientFactory.client(kubeconfig(command: command, directory: directory))
        let response = client.send(KubeRequest(path: "/echo"))
        #expect(response.status == 0)
        #expect(response.error?.reason == "Unauthorized")
        let message = response.error?.message ?? ""
        #expect(message.contains("\"failing\" of user \"test-user\" exited with status 3"))
        #expect(message.contains("cloud login"))
    }

    @Test func missingPluginShowsInstallHint() throws {
        let directory = TestFiles.makeDirectory("exec")
        let client = try KubeClientFactory.client(kubeconfig(
            command: "kubeclient-test-no-such-plugin", directory: directory,
            extra: ["installHint: Install it with `apt install no-such-plugin`."]),
            environment: ["PATH": "/usr/bin:/bin"])
        let response = client.send(KubeRequest(path: "/echo"))
        #expect(response.error?.message.contains("was not found in PATH") == true)
        #expect(response.error?.message.contains("apt install no-such-plugin") == true)
    }

    @Test func garbageOutputIsExplained() throws {
        let directory = TestFiles.makeDirectory("exec")
        let command = TestFiles.write("#!/bin/sh\necho hello\n", to: directory + "/garbage", executable: true)
        let client = try KubeClientFactory.client(kubeconfig(command: command, directory: directory))
        #expect(client.send(KubeRequest(path: "/echo")).error?.message.contains("did not print an ExecCredential") == true)
    }

    @Test func unsupportedAPIVersionIsRefusedEarly() {
        let directory = TestFiles.makeDirectory("exec")
        #expect {
            try KubeClientFactory.resolve(kubeconfig(command: "x", directory: directory,
                                                     apiVersion: "client.authentication.k8s.io/v1alpha1"))
        } throws: { error in
            "\(error)".contains("v1alpha1") && "\(error)".contains("client.authentication.k8s.io/v1beta1")
        }
    }

    @Test func timestampsWithFractionalSeconds() {
        #expect(ExecCredentialPlugin.parseTimestamp("2030-05-01T10:00:00Z") != nil)
        #expect(ExecCredentialPlugin.parseTimestamp("2030-05-01T10:00:00.123456Z") != nil)
        #expect(ExecCredentialPlugin.parseTimestamp("tomorrow") == nil)
    }
}
