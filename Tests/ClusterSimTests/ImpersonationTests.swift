import ClusterSim
import Foundation
import KFJSON
import Testing

/// TokenReview and impersonation: what `serve --http --auth kubernetes` relies on.
@Suite("TokenReview and impersonation") struct ImpersonationTests {
    static let review: JSON = ["apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
                               "spec": ["token": "kfsim-data-scientist-token"]]

    @Test func tokenReviewNamesTheUserAndNeedsRBAC() async throws {
        try await withSimulator { _, client in
            let reply = try await client.send("POST", "/apis/authentication.k8s.io/v1/tokenreviews", body: Self.review)
            #expect(reply.status == 201)
            #expect(reply.json["status"]?["authenticated"] == true)
            #expect(reply.json["status"]?["user"]?["username"] == "alice")
            #expect(reply.json["spec"]?["token"] == nil)  // never echoed
            var unknown = Self.review
            unknown["spec"] = ["token": "nope"]
            let bad = try await client.send("POST", "/apis/authentication.k8s.io/v1/tokenreviews", body: unknown)
            #expect(bad.json["status"]?["authenticated"] == false)
            // bob may not review tokens
            let bob = try await client.send("POST", "/apis/authentication.k8s.io/v1/tokenreviews", body: Self.review,
                                            token: "kfsim-read-only-token")
            #expect(bob.status == 403)
        }
    }

    @Test func impersonationActsWithTheImpersonatedUsersRules() async throws {
        try await withSimulator { _, client in
            let prod = "/apis/trainer.kubeflow.org/v1alpha1/namespaces/ml-team-prod/trainjobs"
            let dev = "/apis/trainer.kubeflow.org/v1alpha1/namespaces/ml-team-dev/trainjobs"
            let asAlice = [("Impersonate-User", "alice"), ("Impersonate-Group", "data-scientists")]
            #expect(try await client.send("GET", prod).status == 200)  // admin itself
            let denied = try await client.send("GET", prod, headers: asAlice)
            #expect(denied.status == 403)
            #expect(denied.json["message"]?.string?.contains("User \"alice\"") == true)
            #expect(try await client.send("GET", dev, headers: asAlice).status == 200)
            let whoami = try await client.send("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                                               body: ["apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"],
                                               headers: asAlice)
            #expect(whoami.json["status"]?["userInfo"]?["username"] == "alice")
            // Only who may impersonate can: alice may not become admin.
            let escalate = try await client.send("GET", prod, token: "kfsim-data-scientist-token",
                                                 headers: [("Impersonate-User", "admin")])
            #expect(escalate.status == 403)
            #expect(escalate.json["message"]?.string?.contains("cannot impersonate") == true)
            // A name the cluster has no rules for may do nothing.
            #expect(try await client.send("GET", dev, headers: [("Impersonate-User", "mallory")]).status == 403)
        }
    }
}
