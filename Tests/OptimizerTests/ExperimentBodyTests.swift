import KFJSON
import PluginKit
import TestSupport
import XCTest

@testable import OptimizerPlugin

/// The Experiment the SDK 0.5.0's OptimizerClient.optimize posts, rebuilt from the
/// tools' arguments; the trial's TrainJob is the golden's (the Trainer makes it).
final class ExperimentBodyTests: XCTestCase {
    func goldenRequest(_ golden: JSON) throws -> ExperimentRequest {
        ExperimentRequest(
            name: golden["metadata"]!["name"]!.string!, namespace: "team-a",
            trialJob: golden["spec"]!["trialTemplate"]!["trialSpec"]!,
            parameters: try SearchSpace.parse(["learning_rate": ["loguniform": [1e-5, 1e-2]]]),
            objectives: [.init(metric: "loss", direction: "minimize"), .init(metric: "accuracy", direction: "maximize")],
            algorithm: "random", algorithmSettings: [("random_state", "42")],
            numTrials: 6, parallelTrials: 2, maxFailedTrials: 2)
    }

    func testGoldenExperimentBody() throws {
        let golden = try Goldens.postBody("h_optimizer_optimize")
        let request = try goldenRequest(golden)
        let body = KatibExperiment.build(request)
        XCTAssertNil(firstDifference(body, golden))
        XCTAssertTrue(KatibAdmission.problems(body, request).isEmpty)
    }

    func testParameterSpecsWriteBoundsAsPythonDoes() throws {
        let params = try SearchSpace.parse([
            "dropout": ["uniform": [0, 0.3]], "batch_size": ["choice": [8, 16]], "lora_rank": ["int": [4, 64]],
            "learning_rate": ["loguniform": [1e-5, 1e-2]],
        ])
        XCTAssertEqual(params.map(\.name), ["batch_size", "dropout", "learning_rate", "lora_rank"])
        let specs = params.map(KatibExperiment.parameterSpec)
        XCTAssertEqual(specs[0], ["name": "batch_size", "parameterType": "categorical", "feasibleSpace": ["list": ["8", "16"]]])
        XCTAssertEqual(specs[1]["feasibleSpace"], ["min": "0", "max": "0.3", "distribution": "uniform"])
        XCTAssertEqual(specs[2]["feasibleSpace"], ["min": "1e-05", "max": "0.01", "distribution": "logUniform"])
        XCTAssertEqual(specs[3], ["name": "lora_rank", "parameterType": "int",
                                  "feasibleSpace": ["min": "4", "max": "64", "distribution": "uniform"]])
    }

    /// Hostile and mistaken search spaces: each refusal names the field.
    func testInvalidSearchSpacesNameTheField() {
        let cases: [(JSON, String)] = [
            ([:], "search_space"),
            (["lr": ["loguniform": [0, 1]]], "search_space.lr"),
            (["lr": ["uniform": [1, 0.5]]], "search_space.lr"),
            (["lr": ["uniform": [0.1]]], "search_space.lr"),
            (["lr": ["uniform": [0, 1], "choice": [1]]], "search_space.lr"),
            (["lr": ["normal": [0, 1]]], "search_space.lr"),
            (["rank": ["int": [4.5, 64]]], "search_space.rank"),
            (["bs": ["choice": []]], "search_space.bs"),
            (["bs": ["choice": [8, 8]]], "search_space.bs"),
            (["bs": ["choice": [["nested"]]]], "search_space.bs"),
            (["bad}name": ["uniform": [0, 1]]], "search_space"),
            (["x; rm -rf /": ["uniform": [0, 1]]], "search_space"),
            (["lr": "0.1"], "search_space.lr"),
        ]
        for (space, field) in cases {
            XCTAssertThrowsError(try SearchSpace.parse(space), "\(space)") { error in
                let e = error as? ToolError
                XCTAssertEqual(e?.field, field, "\(space): \(e?.message ?? "")")
                XCTAssertTrue(e?.message.contains(field) ?? false, e?.message ?? "")
            }
        }
    }

    func testAdmissionRulesNameTheField() throws {
        let golden = try Goldens.postBody("h_optimizer_optimize")
        var request = try goldenRequest(golden)
        request.parallelTrials = 8
        request.maxFailedTrials = 7
        request.algorithm = "grid"
        request.parameters = try SearchSpace.parse(["learning_rate": ["uniform": [0.001, 0.01]]])
        let problems = KatibAdmission.problems(KatibExperiment.build(request), request)
        let fields = problems.compactMap(\.field)
        XCTAssertTrue(fields.contains("parallel_trials"), "\(fields)")
        XCTAssertTrue(fields.contains("max_failed_trials"), "\(fields)")
        XCTAssertTrue(fields.contains("search_space.learning_rate"), "\(fields)")  // grid needs a step
        request = try goldenRequest(golden)
        request.parameters = try SearchSpace.parse(["momentum": ["uniform": [0.5, 0.9]]])
        let unused = KatibAdmission.problems(KatibExperiment.build(request), request)
        XCTAssertTrue(unused.contains { $0.field == "search_space.momentum" }, "\(unused.map(\.message))")
    }

    /// The pre-flight runs Katib's webhook rules (KatibRules, as the simulator does) and quotes the denial.
    func testRefusalsQuoteKatibsWebhook() throws {
        let golden = try Goldens.postBody("h_optimizer_optimize")
        var request = try goldenRequest(golden)
        request.parallelTrials = 8
        request.algorithm = "magic"
        let problems = KatibAdmission.problems(KatibExperiment.build(request), request)
        XCTAssertEqual(problems.first { $0.field == "parallel_trials" }?.message,
                       "parallel_trials (8) must be greater than 0 and at most num_trials (6). Katib v0.19 would deny it: admission webhook \"validator.experiment.katib.kubeflow.org\" denied the request: spec.parallelTrialCount: Invalid value: 8: should be less than or equal to spec.maxTrialCount")
        XCTAssertEqual(problems.first { $0.field == "algorithm" }?.message.hasSuffix(
            "spec.algorithm.algorithmName: Invalid value: \"magic\": unable to get Suggestion config data for algorithm magic: failed to find suggestion config for algorithm: magic in ConfigMap: katib-config"), true)
    }

    func testPlaceholdersFound() {
        XCTAssertEqual(TrialTemplate.placeholders(in: "a ${trialParameters.lr} b '${trialParameters.x_1}'"), ["lr", "x_1"])
    }
}
