import KFJSON
import PluginKit
import XCTest

@testable import RegistryPlugin

/// The registry plugin's own rules: names refused before they reach a request,
/// metadata typed as the registry's customProperties, ids checked before paths.
final class RegistryToolTests: XCTestCase {
    func testEveryToolDeclaresCategoryRiskAndOutput() {
        let tools = registryPluginDefinition.tools
        XCTAssertEqual(tools.map(\.name), ["register_model", "list_models", "get_model", "list_model_versions", "update_model_version"])
        for tool in tools {
            XCTAssertEqual(tool.category, "registry")
            XCTAssertNotNil(tool.outputSchema, tool.name)
        }
        XCTAssertEqual(tools.first { $0.name == "register_model" }?.risk, .mutating)
        XCTAssertEqual(tools.first { $0.name == "update_model_version" }?.risk, .mutating)
        XCTAssertEqual(tools.filter { $0.risk == .readOnly }.map(\.name), ["list_models", "get_model", "list_model_versions"])
        XCTAssertEqual(RegistryTools.listModels.inputSchema["properties"]?["doctor"]?["x-kfmcp-doctor"], .bool(true))
    }

    func testHostileModelAndVersionNamesAreRefused() {
        for bad in ["", "..", "../x", "a/../b", "a//b", "x?y", "x#y", "x%2e", "x y", "-x", "x-", "/x", "x/", "a\nb",
                    "Ⅹ", "VICTIM", "Qwen2.5", String(repeating: "a", count: 129)] {
            XCTAssertFalse(RegistryNames.isModelName(bad), bad)
        }
        for good in ["mnist", "qwen2.5-7b-ft", "org/model", "granite_3.1"] { XCTAssertTrue(RegistryNames.isModelName(good), good) }
        for bad in ["", "v1/x", "v1?", "..", "1..2", "V1", "v 1", "-v1", String(repeating: "1", count: 65)] {
            XCTAssertFalse(RegistryNames.isVersionName(bad), bad)
        }
        for good in ["v1", "1.0.0", "1.0.0+build.5", "trial-abc"] { XCTAssertTrue(RegistryNames.isVersionName(good), good) }
        XCTAssertEqual(RegistryNames.slug("Qwen2.5-7B-Instruct-ft"), "qwen2-5-7b-instruct-ft")
        XCTAssertEqual(RegistryNames.slug("--a b//c--"), "a-b-c")
    }

    func testMetadataBecomesTypedCustomProperties() {
        let props = Metadata.customProperties(["lr": .double(2e-4), "rank": .int(16), "lora": .bool(true), "base": "hf://x",
                                               "big": .int(5_000_000_000), "space": ["a": 1], "gone": .null])
        XCTAssertEqual(props["rank"], ["metadataType": "MetadataIntValue", "int_value": "16"])
        XCTAssertEqual(props["lr"]?["metadataType"], "MetadataDoubleValue")
        XCTAssertEqual(props["lora"], ["metadataType": "MetadataBoolValue", "bool_value": true])
        XCTAssertEqual(props["base"], ["metadataType": "MetadataStringValue", "string_value": "hf://x"])
        XCTAssertEqual(props["big"]?["metadataType"], "MetadataDoubleValue")
        XCTAssertEqual(props["space"]?["string_value"], "{\"a\":1}")
        XCTAssertNil(props["gone"])
        XCTAssertEqual(Metadata.plain(props)["rank"], .int(16))
        XCTAssertEqual(Metadata.plain(props)["lora"], .bool(true))
        XCTAssertFalse(Metadata.isKey("a b"))
        XCTAssertFalse(Metadata.isKey(""))
    }

    func testIdsFromAnswersAreCheckedBeforeTheyJoinAPath() throws {
        XCTAssertEqual(try RegistryClient.path("model_versions", "12", "artifacts"), "model_versions/12/artifacts")
        for bad: JSON in ["../1", "1/../2", "", "0", "01", "1?x", 12, .null] {
            XCTAssertThrowsError(try RegistryClient.path("registered_models", bad), "\(bad)")
        }
    }
}

extension RegistryToolTests {
    /// Every argument that makes a registry write asks for the user's confirmation.
    func testWritingArgumentsNeedConfirmation() {
        let register = RegistryTools.registerModel.inputSchema["properties"]!
        XCTAssertEqual(register["uri"]?["x-kfmcp-confirm"], .bool(true))
        XCTAssertEqual(register["job_id"]?["x-kfmcp-confirm"], .bool(true))
        let update = RegistryTools.updateModelVersion.inputSchema["properties"]!
        for field in ["state", "description", "metadata"] { XCTAssertEqual(update[field]?["x-kfmcp-confirm"], .bool(true), field) }
    }
}

extension RegistryToolTests {
    func testKubernetesNameRulesAcceptWhatTheHostAccepts() {
        XCTAssertTrue(K8sNameRule.label.accepts("model-registry-service"))
        XCTAssertTrue(K8sNameRule.subdomain.accepts("a.b-c"))
        for bad in ["", "-a", "a-", "A", "a.b", "a_b", String(repeating: "a", count: 64)] {
            XCTAssertFalse(K8sNameRule.label.accepts(bad), bad)
        }
        for bad in ["a..b", ".a", "a.", "a/b"] { XCTAssertFalse(K8sNameRule.subdomain.accepts(bad), bad) }
    }
}

extension RegistryToolTests {
    /// The method as the SDK's own TrainJobs say it (Tests/Fixtures/sdk-reference a_ and b_), and the backends'.
    func testMethodIsReadFromTheTrainersCommand() {
        func job(_ command: [String], _ args: [String]) -> JSON {
            ["spec": ["trainer": ["command": .array(command.map { .string($0) }), "args": .array(args.map { .string($0) })]]]
        }
        XCTAssertEqual(JobOrigin.method(job(["tune", "run"], ["batch_size=4", "model.lora_rank=8", "model.lora_alpha=16"])), "lora")
        XCTAssertEqual(JobOrigin.method(job(["tune", "run"], ["batch_size=4", "epochs=3"])), "full")
        XCTAssertEqual(JobOrigin.method(job(["python"], ["--use_peft", "--load_in_4bit", "--bnb_4bit_quant_type", "nf4"])), "qlora")
        XCTAssertEqual(JobOrigin.method(job(["python"], ["--use_peft"])), "lora")
        XCTAssertEqual(JobOrigin.method(job(["bash", "-c"], ["model = FastLanguageModel.get_peft_model(m)  # load_in_4bit=False"])), "lora")
        XCTAssertNil(JobOrigin.method(job(["torchrun"], ["train.py"])))
    }
}

extension RegistryToolTests {
    /// The registry's own errors ({"code": "Not Found", ...}) are told from the API server's Status.
    func testRegistryErrorsAreToldFromTheAPIServers() {
        XCTAssertTrue(RegistryClient.isRegistryError(["code": "Not Found", "message": "no registered model found"]))
        XCTAssertFalse(RegistryClient.isRegistryError(["kind": "Status", "code": 404, "message": "services \"x\" not found"]))
        XCTAssertFalse(RegistryClient.isRegistryError(.null))
    }
}
