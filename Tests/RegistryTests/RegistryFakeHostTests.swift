import KFJSON
import PluginKit
import PluginKitTesting
import XCTest

@testable import RegistryPlugin

/// The registry's tools called by name through the plugin's manifest, with
/// PluginKitTesting's fake host answering the Kubernetes requests: what each
/// tool sends to the API server's service proxy, and what it makes of the answers.
final class RegistryFakeHostTests: XCTestCase {
    /// One FakeHost per test; the plugin is exported once per process (as a library is).
    private func load(_ script: @escaping @Sendable (JSON) -> FakeHost.KubeAnswer) throws -> FakePlugin {
        let host = FakeHost()
        host.kubernetes = script
        return try host.load(registryPluginDefinition)
    }

    func testListModelsReadsTheRegistryThroughTheServiceProxy() throws {
        let plugin = try load { request in
            guard request["proxy_path"]?.string?.hasSuffix("registered_models") == true else { return .notFound() }
            return .ok(["items": [["id": "1", "name": "mnist", "state": "LIVE"]], "nextPageToken": ""])
        }
        XCTAssertTrue(plugin.toolNames.contains("list_models"))
        let result = try plugin.result("list_models")
        XCTAssertEqual(result["count"], 1)
        XCTAssertEqual(result["models"]?[0]?["name"], "mnist")
        let sent = try XCTUnwrap(plugin.host.requests.first)
        XCTAssertEqual(sent["verb"], "get")
        XCTAssertEqual(sent["resource"], "services")
        XCTAssertEqual(sent["subresource"], "proxy")
        XCTAssertEqual(sent["namespace"], "kubeflow")
        XCTAssertEqual(sent["name"], "model-registry-service:8080")
        XCTAssertEqual(sent["proxy_path"], "api/model_registry/v1alpha3/registered_models")
    }

    func testThePluginConfigNamesAnotherRegistry() throws {
        let plugin = try load { _ in .ok(["items": []]) }
        plugin.host.config = ["namespace": "team-a", "service": "registry:9090"]
        XCTAssertEqual(try plugin.result("list_models")["count"], 0)
        XCTAssertEqual(plugin.host.requests.first?["namespace"], "team-a")
        XCTAssertEqual(plugin.host.requests.first?["name"], "registry:9090")
    }

    /// Hostile names never become a request: the error names the field.
    func testHostileModelNamesAreRefusedBeforeAnyRequest() throws {
        let plugin = try load { _ in .ok(["items": []]) }
        for bad in ["../x", "a//b", "x?y", "VICTIM", "a\nb"] {
            let answer = try plugin.call("get_model", ["name": .string(bad)])
            XCTAssertEqual(answer["error"]?["field"], "name", bad)
        }
        XCTAssertTrue(plugin.host.requests.isEmpty)
    }

    func testAnAPIServerRefusalBecomesASentenceNamingTheRegistry() throws {
        let plugin = try load { _ in .forbidden("services \"model-registry-service\" is forbidden") }
        XCTAssertThrowsError(try plugin.result("list_models")) { error in
            let message = (error as? ToolError)?.message ?? ""
            XCTAssertTrue(message.contains("RBAC on services/proxy in kubeflow"), message)
        }
    }

    /// register_model from a job: the TrainJob read through the host, its checkpoints asked of
    /// another plugin's tool (a nested call), and a job without a PVC checkpoint asks for uri.
    func testAJobsCheckpointsComeFromANestedToolCall() throws {
        let plugin = try load { request in
            guard request["resource"] == "trainjobs", request["name"] == "ft-1" else { return .notFound() }
            return .ok(["metadata": ["name": "ft-1"], "spec": ["initializer": ["model": ["storageUri": "hf://org/base"]]],
                        "status": ["conditions": [["type": "Complete", "status": "True"]]]])
        }
        plugin.host.context["namespace"] = "team-a"
        let noTool = try plugin.call("register_model", ["job_id": "ft-1"])
        XCTAssertEqual(noTool["error"]?["field"], "uri")
        XCTAssertTrue(noTool["error"]?["message"]?.string?.contains("list_checkpoints is not loaded") == true)

        plugin.host.tools["list_checkpoints"] = { _ in
            ["result": ["checkpoints": [["path": "/tmp/ckpt-1", "storage": ["persistent": false]]]]]
        }
        let podLocal = try plugin.call("register_model", ["job_id": "ft-1"])
        XCTAssertEqual(podLocal["error"]?["field"], "uri")
        XCTAssertTrue(podLocal["error"]?["message"]?.string?.contains("no checkpoint on a PVC") == true)
        XCTAssertEqual(plugin.host.toolRequests.last?.tool, "list_checkpoints")
        XCTAssertEqual(plugin.host.toolRequests.last?.input, ["job_id": "ft-1", "namespace": "team-a"])
        XCTAssertEqual(plugin.host.requests.map { $0["namespace"] }, ["team-a", "team-a"])
    }

    func testAJobThatHasNotCompletedIsRefusedNamingJobID() throws {
        let plugin = try load { _ in .ok(["status": ["conditions": [["type": "Failed", "status": "True"]]]]) }
        let answer = try plugin.call("register_model", ["job_id": "ft-2", "namespace": "team-b"])
        XCTAssertEqual(answer["error"]?["field"], "job_id")
        XCTAssertTrue(answer["error"]?["message"]?.string?.contains("failed") == true)
        XCTAssertTrue(plugin.host.toolRequests.isEmpty)
    }
}
