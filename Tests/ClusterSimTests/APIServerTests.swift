import ClusterSim
import Foundation
import KFJSON
import Testing

@Suite("Kubernetes API surface") struct APIServerTests {
    @Test func discoveryAndVersion() async throws {
        try await withSimulator { _, client in
            let version = try await client.send("GET", "/version", token: "")
            #expect(version.status == 200)
            #expect(version.json["major"] == "1")
            let groups = try await client.get("/apis").json
            let names = groups["groups"]?.array?.compactMap { $0["name"]?.string } ?? []
            #expect(names.contains("trainer.kubeflow.org"))
            let trainer = try await client.get("/apis/trainer.kubeflow.org/v1alpha1").json
            let resources = trainer["resources"]?.array?.compactMap { $0["name"]?.string } ?? []
            #expect(resources.contains("trainjobs") && resources.contains("trainjobs/status")
                && resources.contains("clustertrainingruntimes"))
            let core = try await client.get("/api/v1").json
            #expect(core["resources"]?.array?.contains { $0["name"] == "pods/log" } == true)
        }
    }

    @Test func seededClusterHasNodesRuntimesAndConfigMap() async throws {
        try await withSimulator { _, client in
            let nodes = try await client.get("/api/v1/nodes").json["items"]?.array ?? []
            #expect(nodes.count == 4)
            let gpus = nodes.compactMap { $0["status"]?["capacity"]?["nvidia.com/gpu"]?.string }.compactMap { Int($0) }
            #expect(gpus.reduce(0, +) == 16)
            #expect(nodes.contains { $0["metadata"]?["labels"]?["nvidia.com/gpu.product"] == "NVIDIA-H100-80GB-HBM3" })
            let runtime = try await client.get("/apis/trainer.kubeflow.org/v1alpha1/clustertrainingruntimes/torchtune-llama3.2-1b").json
            #expect(runtime["metadata"]?["labels"]?["trainer.kubeflow.org/webhook-validation"] == "disabled")
            let image = runtime.value(at: ["spec", "template", "spec", "replicatedJobs"])?[2]?["template"]?["spec"]?["template"]?["spec"]?["containers"]?[0]?["image"]
            #expect(image == "ghcr.io/kubeflow/trainer/torchtune-trainer:v2.3.0")
            let cm = try await client.get("/api/v1/namespaces/kubeflow-system/configmaps/kubeflow-trainer-public").json
            #expect(cm["data"]?["kubeflow_trainer_version"] == "2.3.0")
        }
    }

    @Test func crudWithStatusErrors() async throws {
        try await withSimulator { _, client in
            let created = try await client.send("POST", trainJobs, body: trainJob("job-a", suspend: true))
            #expect(created.status == 201)
            let job = created.json
            #expect(job["metadata"]?["uid"]?.string?.isEmpty == false)
            #expect(job["metadata"]?["generation"] == 1)
            // CRD defaults applied, like the apiserver
            #expect(job["spec"]?["runtimeRef"]?["apiGroup"] == "trainer.kubeflow.org")
            #expect(job["spec"]?["managedBy"] == "trainer.kubeflow.org/trainjob-controller")

            let duplicate = try await client.send("POST", trainJobs, body: trainJob("job-a"))
            #expect(duplicate.status == 409)
            #expect(duplicate.json == [
                "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                "message": "trainjobs.trainer.kubeflow.org \"job-a\" already exists", "reason": "AlreadyExists",
                "details": ["name": "job-a", "group": "trainer.kubeflow.org", "kind": "trainjobs"], "code": 409,
            ])

            let missing = try await client.get(trainJobs + "/nope")
            #expect(missing.status == 404)
            #expect(missing.json["message"] == "trainjobs.trainer.kubeflow.org \"nope\" not found")
            #expect(missing.json["reason"] == "NotFound")

            // PUT with a stale resourceVersion → 409 Conflict
            let current = try await client.get(trainJobs + "/job-a").json
            var stale = current
            stale.set("1", at: ["metadata", "resourceVersion"])
            stale.set(["team": "a"], at: ["metadata", "labels"])
            let conflict = try await client.send("PUT", trainJobs + "/job-a", body: stale)
            #expect(conflict.status == 409)
            #expect(conflict.json["reason"] == "Conflict")
            var fresh = current
            fresh.set(["team": "a"], at: ["metadata", "labels"])
            #expect(try await client.send("PUT", trainJobs + "/job-a", body: fresh).status == 200)

            // merge patch and json patch
            let merged = try await client.send("PATCH", trainJobs + "/job-a", body: ["metadata": ["labels": ["stage": "dev"]]],
                                               contentType: "application/merge-patch+json")
            #expect(merged.json["metadata"]?["labels"] == ["team": "a", "stage": "dev"])
            let patched = try await client.send("PATCH", trainJobs + "/job-a",
                                                body: [["op": "replace", "path": "/metadata/labels/team", "value": "b"]],
                                                contentType: "application/json-patch+json")
            #expect(patched.json["metadata"]?["labels"]?["team"] == "b")

            let deleted = try await client.send("DELETE", trainJobs + "/job-a")
            #expect(deleted.status == 200)
            #expect(deleted.json["status"] == "Success")
            #expect(try await client.get(trainJobs + "/job-a").status == 404)
        }
    }

    /// Kubernetes' garbage collector for our dependents: a Secret owned by a TrainJob goes with
    /// it; one owned by another uid, or by nobody, stays.
    @Test func ownedSecretsGoWithTheirOwner() async throws {
        try await withSimulator { _, client in
            let job = try await client.send("POST", trainJobs, body: trainJob("owner", suspend: true)).json
            let uid = try #require(job["metadata"]?["uid"]?.string)
            let secrets = "/api/v1/namespaces/ml-team-dev/secrets"
            func secret(_ name: String, owner: String?) -> JSON {
                var metadata: JSON = ["name": .string(name)]
                if let owner {
                    metadata["ownerReferences"] = [["apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "TrainJob",
                                                    "name": "owner", "uid": .string(owner)]]
                }
                return ["apiVersion": "v1", "kind": "Secret", "metadata": metadata, "stringData": ["k": "v"]]
            }
            for (name, owner) in [("owned", uid), ("other", "another-uid"), ("free", nil)] as [(String, String?)] {
                #expect(try await client.send("POST", secrets, body: secret(name, owner: owner)).status == 201)
            }
            #expect(try await client.send("DELETE", trainJobs + "/owner?dryRun=All").status == 200)
            #expect(try await client.get(secrets + "/owned").status == 200)
            #expect(try await client.send("DELETE", trainJobs + "/owner").status == 200)
            #expect(try await client.get(secrets + "/owned").status == 404)
            #expect(try await client.get(secrets + "/other").status == 200)
            #expect(try await client.get(secrets + "/free").status == 200)
        }
    }

    @Test func generateNameAndSchemaValidation() async throws {
        try await withSimulator { _, client in
            var generated = trainJob("")
            generated["metadata"] = ["generateName": "run-"]
            let made = try await client.send("POST", trainJobs, body: generated)
            #expect(made.status == 201)
            #expect(made.json.name.hasPrefix("run-") && made.json.name.count == 9)

            let bad = try await client.send("POST", trainJobs, body: trainJob("bad", numNodes: 1).merging(
                ["spec": ["trainer": ["numNodes": "two"]]]))
            #expect(bad.status == 422)
            #expect(bad.json["reason"] == "Invalid")
            let cause = bad.json["details"]?["causes"]?[0]
            #expect(cause?["field"] == "spec.trainer.numNodes")
            #expect(cause?["reason"] == "FieldValueInvalid")

            let noRef = try await client.send("POST", trainJobs, body: [
                "apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "TrainJob", "metadata": ["name": "noref"], "spec": [:]])
            #expect(noRef.status == 422)
            #expect(noRef.json["details"]?["causes"]?[0] == ["reason": "FieldValueRequired", "message": "Required value",
                                                              "field": "spec.runtimeRef"])
            #expect(noRef.json["message"] == "TrainJob.trainer.kubeflow.org \"noref\" is invalid: spec.runtimeRef: Required value")

            // Unknown fields are pruned, integral floats stored as integers.
            let pruned = try await client.send("POST", trainJobs, body: trainJob("pruned", gpus: 1).merging(
                ["spec": ["bogus": true]]))
            #expect(pruned.json["spec"]?["bogus"] == nil)
            #expect(pruned.json.value(at: ["spec", "trainer", "resourcesPerNode", "limits", "nvidia.com/gpu"]) == .int(1))

            let upper = try await client.send("POST", trainJobs, body: trainJob("Upper"))
            #expect(upper.status == 422)
        }
    }

    @Test func paginationAndSelectors() async throws {
        try await withSimulator { sim, client in
            for i in 0..<7 {
                var cm: JSON = ["apiVersion": "v1", "kind": "ConfigMap",
                                "metadata": ["name": .string("cm-\(i)"), "namespace": "ml-team-dev",
                                             "labels": ["app": .string(i % 2 == 0 ? "even" : "odd")]]]
                cm["data"] = ["i": .string(String(i))]
                try sim.create(cm)
            }
            let path = "/api/v1/namespaces/ml-team-dev/configmaps"
            var names: [String] = []
            var token = ""
            var pages = 0
            repeat {
                let page = try await client.get(path + "?limit=3" + (token.isEmpty ? "" : "&continue=\(token)")).json
                names += page["items"]?.array?.map(\.name) ?? []
                token = page["metadata"]?["continue"]?.string ?? ""
                pages += 1
            } while !token.isEmpty && pages < 10
            #expect(pages == 3)
            #expect(names == (0..<7).map { "cm-\($0)" })

            let selected = try await client.get(path + "?labelSelector=app+in+%28even%2C+nothing%29").json
            #expect(selected["items"]?.array?.count == 4)
            let notOdd = try await client.get(path + "?labelSelector=app!%3Dodd").json
            #expect(notOdd["items"]?.array?.count == 4)
            let byName = try await client.get(path + "?fieldSelector=metadata.name%3Dcm-3").json
            #expect(byName["items"]?.array?.map(\.name) == ["cm-3"])
        }
    }

    @Test func authenticationAndRBAC() async throws {
        try await withSimulator { _, client in
            let anonymous = try await client.send("GET", "/api/v1/namespaces", token: "")
            #expect(anonymous.status == 401)
            #expect(anonymous.json["reason"] == "Unauthorized")

            let alice = "kfsim-data-scientist-token"
            let forbidden = try await client.send("POST", "/apis/trainer.kubeflow.org/v1alpha1/namespaces/ml-team-prod/trainjobs",
                                                  body: trainJob("x"), token: alice)
            #expect(forbidden.status == 403)
            #expect(forbidden.json["message"] == "trainjobs.trainer.kubeflow.org is forbidden: User \"alice\" cannot create resource \"trainjobs\" in API group \"trainer.kubeflow.org\" in the namespace \"ml-team-prod\"")
            let allowed = try await client.send("POST", trainJobs, body: trainJob("alices", suspend: true), token: alice)
            #expect(allowed.status == 201)

            let readOnly = try await client.send("DELETE", trainJobs + "/alices", token: "kfsim-read-only-token")
            #expect(readOnly.status == 403)

            let review = try await client.send("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body: [
                "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                "spec": ["resourceAttributes": ["namespace": "ml-team-prod", "verb": "create",
                                                "group": "trainer.kubeflow.org", "resource": "trainjobs"]]], token: alice)
            #expect(review.json["status"]?["allowed"] == false)
            let whoami = try await client.send("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                                               body: ["apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"],
                                               token: alice)
            #expect(whoami.json["status"]?["userInfo"]?["username"] == "alice")
        }
    }

    @Test func faultInjectionAndRequestCount() async throws {
        try await withSimulator { sim, client async throws in
            sim.resetRequestCount()
            sim.inject(.tooManyRequests(count: 2))
            #expect(try await client.get("/api/v1/nodes").status == 429)
            #expect(try await client.get("/api/v1/nodes").status == 429)
            #expect(try await client.get("/api/v1/nodes").status == 200)
            sim.inject(.serverError(count: 1))
            #expect(try await client.get("/api/v1/nodes").status == 500)
            sim.inject(.delay(seconds: 0.3, count: 1))
            let start = Date()
            #expect(try await client.get("/api/v1/nodes").status == 200)
            #expect(Date().timeIntervalSince(start) >= 0.3)
            sim.inject(.dropConnection(count: 1))
            var dropped = false
            do { _ = try await client.get("/api/v1/nodes") } catch { dropped = true }
            #expect(dropped)
            #expect(sim.requestCount == 6)
        }
    }

    @Test func kubeconfigIsWritten() async throws {
        try await withSimulator { sim, _ in
            let path = NSTemporaryDirectory() + "kfsim-\(UUID().uuidString).yaml"
            try sim.writeKubeconfig(to: path)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.contains("server: \(sim.url!.absoluteString)"))
            #expect(text.contains("token: kfsim-admin-token"))
            #expect(text.contains("namespace: default"))
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}

extension JSON {
    /// Deep merge for building test bodies.
    func merging(_ other: JSON) -> JSON {
        guard case .object(var mine) = self, case .object(let theirs) = other else { return other }
        for (k, v) in theirs { mine[k] = mine[k].map { $0.merging(v) } ?? v }
        return .object(mine)
    }
}
