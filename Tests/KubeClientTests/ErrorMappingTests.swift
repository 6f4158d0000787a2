import Foundation
import Testing
@testable import KubeClient

/// Status bodies and retry decisions, without a server.
@Suite struct ErrorMappingTests {
    let context = ErrorContext(method: "GET", path: "/apis/trainer.kubeflow.org/v1alpha1/namespaces/ml/trainjobs/x",
                               server: "https://api.example:6443", contextName: "prod", clusterName: "prod",
                               userName: "alice", authMethod: "exec", certificateAuthorityOrigin: nil,
                               hasClientCertificate: false)

    func status(_ code: Int, _ reason: String, _ message: String) -> [UInt8] {
        Array(#"{"kind":"Status","apiVersion":"v1","status":"Failure","code":\#(code),"reason":"\#(reason)","message":"\#(message)"}"#.utf8)
    }

    @Test func clusterScopedForbidden() {
        let body = status(403, "Forbidden", #"clustertrainingruntimes.trainer.kubeflow.org is forbidden: User \"alice@example.com\" cannot list resource \"clustertrainingruntimes\" in API group \"trainer.kubeflow.org\" at the cluster scope"#)
        let error = StatusErrorMapper.map(status: 403, body: body, attempts: 1, context: context)
        #expect(error.reason == "Forbidden")
        #expect(error.message.hasPrefix(#"Forbidden: "alice@example.com" (kubeconfig user "alice") may not list clustertrainingruntimes.trainer.kubeflow.org at cluster scope."#))
    }

    @Test func forbiddenWithoutRBACWordingKeepsTheServerMessage() {
        let body = status(403, "Forbidden", "pods \\\"p\\\" is forbidden: exceeded quota: compute-resources")
        let error = StatusErrorMapper.map(status: 403, body: body, attempts: 1, context: context)
        #expect(error.message.contains("exceeded quota"))
    }

    @Test func notFoundNamesTheNamespace() {
        let body = status(404, "NotFound", #"trainjobs.trainer.kubeflow.org \"x\" not found"#)
        let error = StatusErrorMapper.map(status: 404, body: body, attempts: 1, context: context)
        #expect(error.message == #"Not found: trainjobs.trainer.kubeflow.org "x" not found. Check the name and the namespace (namespace "ml")."#)
    }

    @Test func nonStatusBodyFromAProxy() {
        let error = StatusErrorMapper.map(status: 502, body: Array("<html>Bad Gateway</html>".utf8), attempts: 3,
                                          context: context)
        #expect(error.reason == "ServerError")
        #expect(error.message.contains("(HTTP 502) after 3 tries: <html>Bad Gateway</html>"))
    }

    @Test func unauthorizedForExecUser() {
        let error = StatusErrorMapper.map(status: 401, body: status(401, "Unauthorized", "Unauthorized"),
                                          attempts: 1, context: context)
        #expect(error.message.contains("the credentials from the exec plugin of user \"alice\""))
    }

    @Test func retryDecisions() {
        let policy = RetryPolicy()
        #expect(policy.shouldRetry(KubeRequest(path: "/"), status: 429, attempt: 1))
        #expect(policy.shouldRetry(KubeRequest(method: "HEAD", path: "/"), status: 503, attempt: 2))
        #expect(!policy.shouldRetry(KubeRequest(path: "/"), status: 503, attempt: 3))
        #expect(!policy.shouldRetry(KubeRequest(method: "POST", path: "/"), status: 503, attempt: 1))
        #expect(!policy.shouldRetry(KubeRequest(method: "DELETE", path: "/"), status: 429, attempt: 1))
        #expect(!policy.shouldRetry(KubeRequest(path: "/"), status: 404, attempt: 1))
        #expect(policy.delay(attempt: 1, retryAfter: "2") == 2)
        #expect(policy.delay(attempt: 1, retryAfter: "3600") == policy.maxDelay)
        #expect(policy.delay(attempt: 2, retryAfter: nil) < 1)
    }

    @Test func queryEncoding() {
        #expect(RequestURL.build(server: "https://h/p/", path: "api/v1/pods",
                                 query: [("labelSelector", "a=b,c in (d)"), ("limit", "5")])
            == "https://h/p/api/v1/pods?labelSelector=a%3Db%2Cc%20in%20%28d%29&limit=5")
    }

    @Test func componentEncodingKeepsOnlyUnreservedBytes() {
        #expect(RequestURL.encodeComponent("my-job_1.a~b") == "my-job_1.a~b")
        #expect(RequestURL.encodeComponent("a/b?c#d%e f") == "a%2Fb%3Fc%23d%25e%20f")
        #expect(RequestURL.encodeComponent("é\n\u{0}") == "%C3%A9%0A%00")
        #expect(RequestURL.encodeComponent("") == "")
    }

    @Test func serverNameRewrite() {
        let rewritten = RequestURL.applyingServerName("kubernetes.test", to: "https://127.0.0.1:6443/prefix")
        #expect(rewritten?.server == "https://kubernetes.test:6443/prefix")
        #expect(rewritten?.connectTo == "kubernetes.test:6443:127.0.0.1:6443")
    }

    /// The denial is read by hand where a regular expression read it; both read these alike.
    @Test func readsRBACDenialsAsTheRegexDid() throws {
        let regex = try NSRegularExpression(pattern: #"User "([^"]*)" cannot (\S+) resource "([^"]+)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]+)")?"#)
        for message in [
            #"trainjobs.trainer.kubeflow.org is forbidden: User "bob" cannot create resource "trainjobs" in API group "trainer.kubeflow.org" in the namespace "team-a""#,
            #"pods is forbidden: User "system:serviceaccount:x:y" cannot list resource "pods" in API group "" in the namespace "x""#,
            #"nodes is forbidden: User "" cannot get resource "nodes" at the cluster scope"#,
            #"User "a" cannot get resource "" then User "b" cannot watch resource "jobs" in API group "batch"#,
            #"User "a" cannot  resource "x""#, #"no user here"#, #"User "a" cannot get resource "x" in the namespace """#,
        ] {
            let match = regex.firstMatch(in: message, range: NSRange(message.startIndex..., in: message))
            func group(_ i: Int) -> String? { match.flatMap { Range($0.range(at: i), in: message) }.map { String(message[$0]) } }
            let denial = RBACDenial(message)
            #expect((denial == nil) == (match == nil), "\(message)")
            guard let denial else { continue }
            #expect([denial.user, denial.verb, denial.resource] == [group(1), group(2), group(3)], "\(message)")
            #expect(denial.apiGroup == group(4) && denial.namespace == group(5), "\(message)")
        }
    }
}
