import ClusterSim
import Foundation
import KFJSON
import Testing

/// The Model Registry REST API v1alpha3 the simulator serves: the server's
/// validation and error shapes ({"code", "message"}), on its own port and
/// behind the service proxy of kubeflow/model-registry-service (RBAC on services/proxy).
@Suite("Model Registry") struct ModelRegistryTests {
    static let direct = "/api/model_registry/v1alpha3"
    static let proxied = "/api/v1/namespaces/kubeflow/services/model-registry-service:8080/proxy/api/model_registry/v1alpha3"

    @Test func registersAModelVersionAndArtifactAsTheSDKDoes() async throws {
        try await withSimulator { _, client in
            let model = try await client.send("POST", Self.proxied + "/registered_models", body: ["name": "mnist", "owner": "alice"])
            #expect(model.status == 201 && model.json["state"] == "LIVE" && model.json["id"] == "1")
            let version = try await client.send("POST", Self.proxied + "/model_versions", body: [
                "name": "v1", "registeredModelId": "1", "author": "alice",
                "customProperties": ["lr": ["metadataType": "MetadataDoubleValue", "double_value": 0.001],
                                     "epochs": ["metadataType": "MetadataIntValue", "int_value": "3"]]])
            #expect(version.status == 201 && version.json["registeredModelId"] == "1")
            let artifact = try await client.send("POST", Self.proxied + "/model_versions/2/artifacts", body: [
                "artifactType": "model-artifact", "name": "mnist", "uri": "s3://b/mnist", "modelFormatName": "onnx"])
            #expect(artifact.status == 201 && artifact.json["artifactType"] == "model-artifact" && artifact.json["state"] == "UNKNOWN")
            // The same API on the registry's own port, with the find endpoints and the version's lists.
            let found = try await client.get(Self.direct + "/registered_model?name=mnist")
            #expect(found.json["id"] == "1")
            let foundVersion = try await client.get(Self.direct + "/model_version?name=v1&parentResourceId=1")
            #expect(foundVersion.json["customProperties"]?["epochs"]?["int_value"] == "3")
            let versions = try await client.get(Self.direct + "/registered_models/1/versions").json
            #expect(versions["size"] == 1 && versions["nextPageToken"] == "")
            let artifacts = try await client.get("/api/model_registry/v1/model_versions/2/artifacts").json
            #expect(artifacts["items"]?[0]?["uri"] == "s3://b/mnist")
            let archived = try await client.send("PATCH", Self.direct + "/model_versions/2", body: ["state": "ARCHIVED"])
            #expect(archived.status == 200 && archived.json["state"] == "ARCHIVED" && archived.json["name"] == "v1")
            let missing = try await client.get(Self.direct + "/registered_model?name=nope")
            #expect(missing.status == 404 && missing.json["code"] == "Not Found")
        }
    }

    @Test func theServersValidationAndErrorShapes() async throws {
        try await withSimulator { _, client in
            func post(_ path: String, _ body: JSON) async throws -> (Int, String) {
                let r = try await client.send("POST", Self.direct + path, body: body)
                #expect(r.status < 400 || r.json["code"]?.string != nil, "\(path) \(body)")
                return (r.status, r.json["message"]?.string ?? "")
            }
            let r1 = try await post("/registered_models", ["ext_id": 123, "name": "m"])
            #expect(r1.0 == 400 && r1.1 == "json: unknown field \"ext_id\"")
            let r2 = try await post("/registered_models", ["description": "x"])
            #expect(r2.0 == 400)  // name required
            let r3 = try await post("/registered_models", ["name": "m", "state": "GONE"])
            #expect(r3.0 == 400)
            let r4 = try await post("/registered_models", ["name": 5])
            #expect(r4.0 == 400)
            let r5 = try await post("/registered_models", ["name": "m"])
            #expect(r5.0 == 201)
            let r6 = try await post("/registered_models", ["name": "m"])
            #expect(r6.0 == 409)  // unique names
            let r7 = try await post("/model_versions", ["name": "v1"])
            #expect(r7.0 == 400)  // registeredModelId required
            let r8 = try await post("/model_versions", ["name": "v1", "registeredModelId": "99"])
            #expect(r8.0 == 404)
            let r9 = try await post("/model_versions", ["name": "v1", "registeredModelId": "1"])
            #expect(r9.0 == 201)
            let r10 = try await post("/model_versions", ["name": "v1", "registeredModelId": "1"])
            #expect(r10.0 == 409)  // unique per parent
            let r11 = try await post("/model_versions", ["name": "v1", "registeredModelId": "../1"])
            #expect(r11.0 == 400)
            for bad: JSON in [["metadataType": "MetadataIntValue", "int_value": 3], ["metadataType": "MetadataIntValue", "int_value": "03"],
                              ["metadataType": "MetadataBoolValue", "bool_value": "yes"], ["metadataType": "MetadataStringValue"],
                              ["metadataType": "Nope", "string_value": "x"], ["string_value": "x"],
                              ["metadataType": "MetadataStringValue", "string_value": "x", "extra": 1], "x"] {
                let (status, _) = try await post("/model_versions", ["name": "v2", "registeredModelId": "1", "customProperties": ["k": bad]])
                #expect(status == 400, "\(bad)")
            }
            let r12 = try await post("/model_versions/2/artifacts", ["name": "a", "uri": "s3://x"])
            #expect(r12.0 == 400)  // artifactType needed
            let r13 = try await post("/model_versions/2/artifacts", ["artifactType": "doc-artifact", "uri": "s3://x"])
            #expect(r13.0 == 400)
            let patchName = try await client.send("PATCH", Self.direct + "/registered_models/1", body: ["name": "renamed"])
            #expect(patchName.status == 400)  // names cannot change
            let wrongMethod = try await client.send("DELETE", Self.direct + "/registered_models/1")
            #expect(wrongMethod.status == 405)
        }
    }

    @Test func theProxyRouteIsGovernedByRBACAndTheService() async throws {
        try await withSimulator { _, client in
            let bob = "kfsim-read-only-token", alice = "kfsim-data-scientist-token"
            let r14 = try await client.send("GET", Self.proxied + "/registered_models", token: bob)
            #expect(r14.status == 200)
            let r15 = try await client.send("POST", Self.proxied + "/registered_models", body: ["name": "m"], token: bob)
            #expect(r15.status == 403)
            let r16 = try await client.send("POST", Self.proxied + "/registered_models", body: ["name": "m"], token: alice)
            #expect(r16.status == 201)
            let otherNamespace = "/api/v1/namespaces/default/services/model-registry-service:8080/proxy/api/model_registry/v1alpha3/registered_models"
            let r17 = try await client.send("GET", otherNamespace)
            #expect(r17.status == 404)  // no such Service there
            let wrongPort = "/api/v1/namespaces/kubeflow/services/model-registry-service:9999/proxy/api/model_registry/v1alpha3/registered_models"
            let r18 = try await client.send("GET", wrongPort)
            #expect(r18.status == 503)
            let r19 = try await client.send("GET", "/api/v1/namespaces/kubeflow/services/model-registry-service/proxy/x")
            #expect(r19.status == 404)
            let r20 = try await client.send("GET", Self.proxied + "/registered_models", token: "")
            #expect(r20.status == 401)
        }
    }
}
