import Foundation
import KFJSON
import Testing
@testable import KubeClient

@Suite struct HTTPClientTests {
    let server = TestServer.plain

    func client(user: [String] = []) throws -> KubeClient {
        try KubeClientFactory.client(KubeClientFactory.kubeconfig(server: server.url, user: user))
    }

    @Test func getWithEncodedQueryAndBearerToken() throws {
        let client = try client(user: ["token: secret-token-1"])
        let response = client.send(KubeRequest(path: "/echo", query: [
            ("labelSelector", "app=trainer,tier in (a,b)"), ("fieldSelector", "status.phase!=Running&x"),
        ]))
        #expect(response.isSuccess)
        let echo = JSONBody(response.body)
        #expect(echo["method"] == "GET")
        #expect(echo["query"]?["labelSelector"] == "app=trainer,tier in (a,b)")
        #expect(echo["query"]?["fieldSelector"] == "status.phase!=Running&x")
        #expect(echo["rawQuery"]?.string?.contains("%20") == true)
        #expect(echo["authorization"] == "Bearer secret-token-1")
        #expect(echo["accept"] == "application/json")
    }

    @Test func postAndPatchBodies() throws {
        let client = try client()
        let post = client.send(KubeRequest(method: "POST", path: "/echo", body: Array(#"{"a":1}"#.utf8)))
        #expect(JSONBody(post.body)["method"] == "POST")
        #expect(JSONBody(post.body)["body"] == #"{"a":1}"#)
        #expect(JSONBody(post.body)["contentType"] == "application/json")

        let patch = client.send(KubeRequest(method: "patch", path: "/echo", body: Array(#"{"b":2}"#.utf8),
                                            contentType: "application/merge-patch+json"))
        #expect(JSONBody(patch.body)["method"] == "PATCH")
        #expect(JSONBody(patch.body)["contentType"] == "application/merge-patch+json")

        let delete = client.send(KubeRequest(method: "DELETE", path: "/echo"))
        #expect(JSONBody(delete.body)["method"] == "DELETE")
        let head = client.send(KubeRequest(method: "HEAD", path: "/echo"))
        #expect(head.status == 200 && head.body.isEmpty)
    }

    @Test func basicAuth() throws {
        let client = try client(user: ["username: alice", "password: s3cret"])
        let echo = JSONBody(client.send(KubeRequest(path: "/echo")).body)
        #expect(echo["authorization"] == .string("Basic " + Data("alice:s3cret".utf8).base64EncodedString()))
    }

    @Test func serverPathPrefixIsKept() throws {
        let client = try KubeClientFactory.client(KubeClientFactory.kubeconfig(server: server.url + "/prefix/"))
        let echo = JSONBody(client.send(KubeRequest(path: "/echo")).body)
        #expect(echo["path"] == "/prefix/echo")
    }

    @Test func connectionsAreReused() throws {
        let client = try client()
        let first = JSONBody(client.send(KubeRequest(path: "/echo")).body)["clientPort"]
        let second = JSONBody(client.send(KubeRequest(path: "/echo")).body)["clientPort"]
        #expect(first != nil && first == second)
    }

    @Test func concurrentRequests() throws {
        let client = try client(user: ["token: t"])
        let failures = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 24) { index in
            let response = client.send(KubeRequest(path: "/echo", query: [("i", String(index))]))
            if !response.isSuccess || JSONBody(response.body)["query"]?["i"] != .string(String(index)) {
                failures.withLock { $0 += 1 }
            }
        }
        #expect(failures.withLock { $0 } == 0)
    }

    // MARK: Errors from Status bodies

    @Test func unauthorizedNamesTheUserNotTheToken() throws {
        let response = try client(user: ["token: do-not-print-me"]).send(KubeRequest(path: "/status/401"))
        #expect(response.status == 401)
        #expect(response.error?.reason == "Unauthorized")
        #expect(response.error?.message.contains("the token of user \"test-user\"") == true)
        #expect(response.error?.message.contains("do-not-print-me") == false)
    }

    @Test func forbiddenNamesVerbResourceAndNamespace() throws {
        let response = try client().send(KubeRequest(method: "POST", path: "/status/403", body: Array("{}".utf8)))
        #expect(response.error?.reason == "Forbidden")
        let message = response.error?.message ?? ""
        #expect(message.contains("may not create trainjobs.trainer.kubeflow.org in namespace \"team-b\""))
        #expect(message.contains("system:serviceaccount:team-a:bot"))
    }

    @Test func notFound() throws {
        let client = try client()
        let missing = client.send(KubeRequest(path: "/status/404"))
        #expect(missing.error?.reason == "NotFound")
        #expect(missing.error?.message.contains(#""missing" not found"#) == true)
        let unserved = client.send(KubeRequest(path: "/apis/trainer.kubeflow.org/v1alpha1/trainjobs"))
        #expect(unserved.error?.reason == "NotFound")
        #expect(unserved.error?.message.contains("CRD") == true)
    }

    @Test func alreadyExistsAndConflict() throws {
        let client = try client()
        #expect(client.send(KubeRequest(path: "/status/409")).error?.reason == "AlreadyExists")
        let conflict = client.send(KubeRequest(path: "/status/409-conflict"))
        #expect(conflict.error?.reason == "Conflict")
        #expect(conflict.error?.message.contains("read it again") == true)
    }

    @Test func invalidListsFieldCauses() throws {
        let response = try client().send(KubeRequest(path: "/status/422"))
        #expect(response.status == 422)
        #expect(response.error?.reason == "Invalid")
        let message = response.error?.message ?? ""
        #expect(message.hasPrefix("TrainJob \"job-1\" is invalid: spec.runtimeRef.name: Required value; "
            + "spec.trainer.numNodes: Invalid value: -1"))
    }

    @Test func otherStatusReasonsPassThrough() throws {
        let response = try client().send(KubeRequest(path: "/status/410"))
        #expect(response.error?.reason == "Expired")
        #expect(response.error?.message.contains("too old resource version") == true)
    }

    // MARK: Retries

    @Test func getIsRetriedAfter429HonouringRetryAfter() throws {
        let key = uniqueKey("429")
        let response = try client().send(KubeRequest(path: "/flaky/\(key)", query: [("fail", "2"), ("retryAfter", "0")]))
        #expect(response.status == 200)
        #expect(JSONBody(response.body)["attempts"] == 3)
        #expect(server.count(key) == 3)
    }

    @Test func retryAfterSecondsAreWaited() throws {
        let key = uniqueKey("retry-after")
        let started = Date()
        let response = try client().send(KubeRequest(path: "/flaky/\(key)", query: [("fail", "1"), ("retryAfter", "1")]))
        #expect(response.status == 200)
        #expect(Date().timeIntervalSince(started) >= 0.9)
    }

    @Test func getGivesUpAfterThreeTries() throws {
        let key = uniqueKey("503")
        let response = try client().send(KubeRequest(path: "/always/\(key)", query: [("code", "503")]))
        #expect(response.status == 503)
        #expect(response.error?.reason == "ServerError")
        #expect(response.error?.message.contains("after 3 tries") == true)
        #expect(server.count(key) == 3)
    }

    @Test func postIsNeverRepeated() throws {
        let key = uniqueKey("post")
        let response = try client().send(KubeRequest(method: "POST", path: "/always/\(key)", body: Array("{}".utf8)))
        #expect(response.status == 500)
        #expect(response.error?.reason == "ServerError")
        #expect(response.error?.message.contains("etcd is unhappy") == true)
        #expect(server.count(key) == 1)

        let throttled = uniqueKey("post429")
        let post429 = try client().send(KubeRequest(method: "POST", path: "/flaky/\(throttled)",
                                                    query: [("fail", "1"), ("retryAfter", "0")]))
        #expect(post429.error?.reason == "TooManyRequests")
        #expect(server.count(throttled) == 1)
    }

    /// A server that takes a POST and closes the connection without answering:
    /// on a kept-alive connection libcurl would send the POST again by itself.
    /// POSTs get a fresh connection, so exactly one arrives and the caller
    /// learns the connection was lost after sending.
    @Test func postIsSentOnceWhenTheConnectionDiesAfterIt() throws {
        let client = try client()
        _ = client.send(KubeRequest(path: "/echo"))  // leaves a kept-alive connection in the pool
        let key = uniqueKey("vanish")
        let response = client.send(KubeRequest(method: "POST", path: "/vanish/\(key)", body: Array("{}".utf8)))
        #expect(response.status == 0)
        #expect(response.error?.reason == "ConnectionLost")
        #expect(server.count(key) == 1)
    }

    // MARK: Transport failures

    @Test func timeout() throws {
        let started = Date()
        let response = try client().send(KubeRequest(path: "/slow", query: [("seconds", "3")], timeoutMs: 300))
        #expect(response.status == 0)
        #expect(response.error?.reason == "Timeout")
        #expect(response.error?.message.contains("timed out after 300ms") == true)
        #expect(Date().timeIntervalSince(started) < 2.5)
    }

    @Test func unreachableNamesTheServer() throws {
        // Port 9 (discard) is closed on a test machine: the connection is refused.
        let client = try KubeClientFactory.client(KubeClientFactory.kubeconfig(server: "http://127.0.0.1:9"))
        let response = client.send(KubeRequest(path: "/api"))
        #expect(response.status == 0)
        #expect(response.error?.reason == "Unreachable")
        #expect(response.error?.message.contains("http://127.0.0.1:9") == true)
        #expect(response.error?.message.contains("context \"test\"") == true)
    }

    // MARK: Streaming

    @Test func streamDeliversLinesAsTheyArrive() throws {
        var lines: [String] = []
        let response = try client().stream(KubeRequest(path: "/stream", query: [("lines", "5"), ("delay", "0.01")])) {
            lines.append($0)
            return true
        }
        #expect(response.status == 200 && response.error == nil)
        #expect(lines == (0..<5).map { #"{"type":"ADDED","n":\#($0)}"# })
    }

    @Test func streamStopsWhenTheReaderSaysSo() throws {
        var count = 0
        let started = Date()
        let response = try client().stream(KubeRequest(path: "/stream", query: [("lines", "1000"), ("delay", "0.02")])) { _ in
            count += 1
            return count < 3
        }
        #expect(count == 3)
        #expect(response.status == 200 && response.error == nil)
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func streamErrorIsExplainedNotStreamed() throws {
        var lines = 0
        let response = try client().stream(KubeRequest(path: "/status/403")) { _ in
            lines += 1
            return true
        }
        #expect(lines == 0)
        #expect(response.error?.reason == "Forbidden")
    }
}
