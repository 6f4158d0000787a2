@testable import ClusterSim
import Foundation
import KatibRules
import KFJSON
import Testing

/// Katib v0.19's webhook rules, with upstream's own cases
/// (pkg/webhook/v1beta1/experiment/validator/validator_test.go): each case is named by its
/// upstream `testDescription` and, like upstream, compares the kind and field of each error
/// (not the text). The manifest generator upstream mocks is `KatibConfig.acceptingAll`.
@Suite("Katib experiment validator (upstream cases)") struct KatibValidatorTests {
    static let validator = ExperimentValidator(config: .acceptingAll)

    /// newFakeBatchJob(): a batch Job whose command takes both trial parameters.
    static func fakeBatchJob(command: [String]? = nil) -> JSON {
        let words = command ?? ["python3", "--epochs=1", "--batch-size=16", "/opt/pytorch-mnist/mnist.py",
                                "--lr=${trialParameters.learningRate}", "--momentum=${trialParameters.momentum}"]
        return ["apiVersion": "batch/v1", "kind": "Job",
                "spec": ["template": ["spec": ["containers": [["name": "training-container",
                                                               "image": "ghcr.io/kubeflow/katib/pytorch-mnist-cpu",
                                                               "command": .array(words.map { .string($0) })]]]]]]
    }

    /// newFakeInstance().
    static func fakeInstance() -> JSON {
        ["apiVersion": "kubeflow.org/v1beta1", "kind": "Experiment",
         "metadata": ["name": "fake", "namespace": "fakens"],
         "spec": [
            "maxTrialCount": 6,
            "metricsCollectorSpec": ["collector": ["kind": "StdOut"]],
            "objective": ["type": "maximize", "goal": 0.11, "objectiveMetricName": "testme"],
            "algorithm": ["algorithmName": "test", "algorithmSettings": [["name": "test1", "value": "value1"]]],
            "earlyStopping": ["algorithmName": "test", "algorithmSettings": [["name": "test1", "value": "value1"]]],
            "parameters": [
                ["name": "lr", "parameterType": "int", "feasibleSpace": ["max": "5", "min": "1", "distribution": "uniform"]],
                ["name": "momentum", "parameterType": "categorical", "feasibleSpace": ["list": ["0.95", "0.85", "0.75"]]],
            ],
            "trialTemplate": [
                "primaryContainerName": "training-container",
                "successCondition": .string(ExperimentDefaulter.jobSuccessCondition),
                "failureCondition": .string(ExperimentDefaulter.jobFailureCondition),
                "trialSpec": fakeBatchJob(),
                "trialParameters": [["name": "learningRate", "description": "Learning rate", "reference": "lr"],
                                    ["name": "momentum", "description": "Momentum for the training model",
                                     "reference": "momentum"]],
            ],
         ]]
    }

    static func with(_ changes: (inout JSON) -> Void) -> JSON {
        var e = fakeInstance()
        changes(&e)
        return e
    }

    static func kinds(_ errors: [KatibFieldError]) -> [String] {
        errors.map { "\($0.reason.replacingOccurrences(of: "FieldValue", with: "")) \($0.field)" }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let testDescription: String
        let instance: JSON
        var old: JSON? = nil
        let wantErr: [String]
        var testDescriptionText: String { testDescription }
    }

    static let experimentCases: [Case] = [
        Case(testDescription: "Name is invalid", instance: with { $0.set("1234-test", at: ["metadata", "name"]) },
             wantErr: ["Invalid metadata.name"]),
        Case(testDescription: "Name is invalid (too long)",
             instance: with { $0.set("test-manymanymanyextracharactersthatgobeyondlimit", at: ["metadata", "name"]) },
             wantErr: ["Invalid metadata.name"]),
        Case(testDescription: "Objective is nil", instance: with { $0.set(.null, at: ["spec", "objective"]) },
             wantErr: ["Required spec.objective"]),
        Case(testDescription: "Objective type is unknown", instance: with { $0.set("unknown", at: ["spec", "objective", "type"]) },
             wantErr: ["Invalid spec.objective.type"]),
        Case(testDescription: "Objective metric name is empty",
             instance: with { $0.set("", at: ["spec", "objective", "objectiveMetricName"]) },
             wantErr: ["Required spec.objective.objectiveMetricName"]),
        Case(testDescription: "additionalMetricNames should not contain objective metric name", instance: with {
            $0.set("objective", at: ["spec", "objective", "objectiveMetricName"])
            $0.set(["objective", "objective-1"], at: ["spec", "objective", "additionalMetricNames"])
        }, wantErr: ["Invalid spec.objective.additionalMetricNames"]),
        Case(testDescription: "Algorithm is nil", instance: with { $0.set(.null, at: ["spec", "algorithm"]) },
             wantErr: ["Required spec.algorithm"]),
        Case(testDescription: "Algorithm name is empty", instance: with { $0.set("", at: ["spec", "algorithm", "algorithmName"]) },
             wantErr: ["Required spec.algorithm.algorithmName"]),
        Case(testDescription: "EarlyStopping is nil", instance: with { $0.set(.null, at: ["spec", "earlyStopping"]) }, wantErr: []),
        Case(testDescription: "EarlyStopping AlgorithmName is empty",
             instance: with { $0.set("", at: ["spec", "earlyStopping", "algorithmName"]) },
             wantErr: ["Required spec.earlyStopping.algorithmName"]),
        Case(testDescription: "Run validator for correct experiment", instance: fakeInstance(), wantErr: []),
        Case(testDescription: "Max failed trial count is negative", instance: with { $0.set(-1, at: ["spec", "maxFailedTrialCount"]) },
             wantErr: ["Invalid spec.maxFailedTrialCount"]),
        Case(testDescription: "Max trial count is negative", instance: with { $0.set(-1, at: ["spec", "maxTrialCount"]) },
             wantErr: ["Invalid spec.maxTrialCount"]),
        Case(testDescription: "Parallel trial count is negative", instance: with { $0.set(-1, at: ["spec", "parallelTrialCount"]) },
             wantErr: ["Invalid spec.parallelTrialCount"]),
        Case(testDescription: "Run validator to correct resume experiment", instance: fakeInstance(), old: fakeInstance(), wantErr: []),
        Case(testDescription: "Resume succeeded experiment with ResumePolicy = NeverResume", instance: fakeInstance(), old: with {
            $0.set([["type": "Succeeded", "status": "True", "reason": "ExperimentMaxTrialsReached"]], at: ["status", "conditions"])
            $0.set("Never", at: ["spec", "resumePolicy"])
        }, wantErr: ["Invalid spec.resumePolicy", "Forbidden spec"]),
        Case(testDescription: "Resume experiment with MaxTrialCount <= Status.Trials", instance: fakeInstance(), old: with {
            $0.set(6, at: ["status", "trials"])
            $0.set(2, at: ["spec", "maxFailedTrialCount"])
        }, wantErr: ["Invalid spec.maxTrialCount"]),
        Case(testDescription: "Change algorithm name when resuming experiment", instance: fakeInstance(),
             old: with { $0.set("not-test", at: ["spec", "algorithm", "algorithmName"]) }, wantErr: ["Forbidden spec"]),
        Case(testDescription: "Invalid resume policy", instance: with { $0.set("invalid-policy", at: ["spec", "resumePolicy"]) },
             wantErr: ["Invalid spec.resumePolicy"]),
        Case(testDescription: "Parameters and NAS config is nil", instance: with { $0.set([], at: ["spec", "parameters"]) },
             wantErr: ["Required spec"]),
        Case(testDescription: "Parameters and NAS config is not nil",
             instance: with { $0.set(["operations": [["operationType": "op1"]]], at: ["spec", "nasConfig"]) },
             wantErr: ["Invalid spec"]),
        Case(testDescription: "Trial template is nil", instance: with { $0.set(.null, at: ["spec", "trialTemplate"]) },
             wantErr: ["Required spec.trialTemplate"]),
        Case(testDescription: "Invalid feasible space in parameters", instance: with {
            var ps = $0["spec"]!["parameters"]!.array!
            ps[1].set("5", at: ["feasibleSpace", "max"])
            $0.set(.array(ps), at: ["spec", "parameters"])
        }, wantErr: ["Invalid spec.parameters[1].feasibleSpace"]),
        Case(testDescription: "maxFailedTrialCount greater than maxTrialCount", instance: with {
            $0.set(5, at: ["spec", "maxTrialCount"])
            $0.set(6, at: ["spec", "maxFailedTrialCount"])
        }, wantErr: ["Invalid spec.maxFailedTrialCount"]),
        Case(testDescription: "maxFailedTrialCount equal to maxTrialCount", instance: with {
            $0.set(5, at: ["spec", "maxTrialCount"])
            $0.set(5, at: ["spec", "maxFailedTrialCount"])
        }, wantErr: []),
        Case(testDescription: "parallelTrialCount greater than maxTrialCount", instance: with {
            $0.set(5, at: ["spec", "maxTrialCount"])
            $0.set(6, at: ["spec", "parallelTrialCount"])
        }, wantErr: ["Invalid spec.parallelTrialCount"]),
        Case(testDescription: "parallelTrialCount equal to maxTrialCount", instance: with {
            $0.set(5, at: ["spec", "maxTrialCount"])
            $0.set(5, at: ["spec", "parallelTrialCount"])
        }, wantErr: []),
    ]

    @Test("TestValidateExperiment", arguments: experimentCases)
    func validateExperiment(_ c: Case) {
        #expect(Self.kinds(Self.validator.validate(c.instance, old: c.old)) == c.wantErr, "\(c.testDescription)")
    }

    static func parameters(_ change: (inout [JSON]) -> Void) -> [JSON] {
        var ps = fakeInstance()["spec"]!["parameters"]!.array!
        change(&ps)
        return ps
    }

    static let parameterCases: [(String, [JSON], [String])] = [
        ("Invalid parameter type", parameters { $0[0]["parameterType"] = "invalid-type" }, ["Invalid spec.parameters[0].parameterType"]),
        ("Feasible space is nil", parameters { $0[0]["feasibleSpace"] = [:] }, ["Required spec.parameters[0].feasibleSpace"]),
        ("Not empty list for int parameter type", parameters { $0[0].set(["invalid-list"], at: ["feasibleSpace", "list"]) },
         ["Invalid spec.parameters[0].feasibleSpace.list"]),
        ("Empty max and min for int parameter type", parameters { $0[0]["feasibleSpace"] = ["max": "", "min": "", "step": "1"] },
         ["Required spec.parameters[0].feasibleSpace.max"]),
        ("Not empty max for categorical parameter type", parameters { $0[1].set("1", at: ["feasibleSpace", "max"]) },
         ["Invalid spec.parameters[1].feasibleSpace"]),
        ("Invalid distribution type", parameters { $0[0].set("invalid-distribution", at: ["feasibleSpace", "distribution"]) },
         ["Invalid spec.parameters[0].feasibleSpace.distribution"]),
        ("Valid parameters case", parameters { _ in }, []),
    ]

    @Test("TestValidateParameters", arguments: parameterCases)
    func validateParameters(_ c: (String, [JSON], [String])) {
        #expect(Self.kinds(Self.validator.parameterProblems(c.1)) == c.2, "\(c.0)")
    }

    static func template(_ change: (inout JSON) -> Void) -> JSON {
        with { e in
            var t = e["spec"]!["trialTemplate"]!
            change(&t)
            e.set(t, at: ["spec", "trialTemplate"])
        }
    }

    static func job(_ command: (inout [String]) -> Void) -> JSON {
        var words = fakeBatchJob()["spec"]!["template"]!["spec"]!["containers"]![0]!["command"]!.array!.compactMap(\.string)
        command(&words)
        return fakeBatchJob(command: words)
    }

    static let trialTemplateCases: [(String, JSON, [String])] = [
        ("Trial parameters is nil", template { $0["trialParameters"] = nil }, ["Required spec.trialTemplate.trialParameters"]),
        ("Trial spec nil", template { $0["trialSpec"] = nil }, ["Required spec.trialTemplate.TrialSource"]),
        ("Trial spec and ConfigMap is not nil", template {
            $0["configMap"] = ["configMapName": "config-map-name", "configMapNamespace": "config-map-namespace",
                               "templatePath": "config-map-template-path"]
        }, ["Required spec.trialTemplate"]),
        ("Missed template path in ConfigMap", template {
            $0["trialSpec"] = nil
            $0["configMap"] = ["configMapName": "config-map-name", "configMapNamespace": "config-map-namespace"]
        }, ["Required spec.trialTemplate.configMap"]),
        ("Wrong template path in ConfigMap", template {
            $0["trialSpec"] = nil
            $0["configMap"] = ["configMapName": "config-map-name", "configMapNamespace": "config-map-namespace",
                               "templatePath": "wrong-path"]
        }, ["Invalid spec.trialTemplate"]),
        ("Empty reference or name in Trial parameters", template { $0.set(.array([["name": "learningRate", "reference": ""],
                                                                                 $0["trialParameters"]![1]!]), at: ["trialParameters"]) },
         ["Invalid spec.trialTemplate.trialParameters[0]", "Invalid spec.trialTemplate"]),
        ("Wrong name in Trial parameters", template { $0.set(.array([["name": "{invalid-name}", "reference": "lr"],
                                                                    $0["trialParameters"]![1]!]), at: ["trialParameters"]) },
         ["Invalid spec.trialTemplate.trialParameters[0]", "Invalid spec.trialTemplate"]),
        ("Duplicate name in Trial parameters", template { $0.set(.array([$0["trialParameters"]![0]!,
                                                                        ["name": "learningRate", "reference": "momentum"]]),
                                                                at: ["trialParameters"]) },
         ["Invalid spec.trialTemplate.trialParameters[1].name", "Invalid spec.trialTemplate"]),
        ("Duplicate reference in Trial parameters", template { $0.set(.array([$0["trialParameters"]![0]!,
                                                                             ["name": "momentum", "reference": "lr"]]),
                                                                     at: ["trialParameters"]) },
         ["Invalid spec.trialTemplate.trialParameters[1].reference", "Invalid spec.trialTemplate"]),
        ("Trial template contains Trial parameters which weren't referenced from spec.parameters",
         template { $0.set(.array([$0["trialParameters"]![0]!, ["name": "momentum", "reference": "wrong-ref"]]), at: ["trialParameters"]) },
         ["Invalid spec.trialTemplate.trialParameters[1].reference"]),
        ("Trial template contains Trial parameters when spec.parameters is empty", {
            var e = template { $0.set(.array([$0["trialParameters"]![0]!, ["name": "momentum", "reference": "wrong-ref"]]), at: ["trialParameters"]) }
            e.set(.null, at: ["spec", "parameters"])
            return e
        }(), []),
        ("Trial template contains Trial metadata reference as parameter",
         template { $0.set(.array([$0["trialParameters"]![0]!, ["name": "momentum", "reference": "${trialSpec.Name}"]]), at: ["trialParameters"]) }, []),
        ("Trial template contains Trial annotation reference as parameter",
         template { $0.set(.array([$0["trialParameters"]![0]!, ["name": "momentum", "reference": "${trialSpec.Annotations[test-annotation]}"]]),
                           at: ["trialParameters"]) }, []),
        ("Trial template contains Trial's label reference as parameter",
         template { $0.set(.array([$0["trialParameters"]![0]!, ["name": "momentum", "reference": "${trialSpec.Labels[test-label]}"]]),
                           at: ["trialParameters"]) }, []),
        ("Trial template doesn't contain parameter from Trial parameters",
         template { $0["trialSpec"] = job { $0[2] = "--lr=${trialParameters.invalidParameter}" } }, ["Invalid spec.trialTemplate"]),
        ("Trial template contains extra parameter",
         template { $0["trialSpec"] = job { $0.append("--extra-parameter=${trialParameters.extraParameter}") } },
         ["Invalid spec.trialTemplate"]),
        ("Trial template is unable to convert to unstructured after substitution",
         template { $0["trialSpec"] = fakeBatchJob(command: ["--invalidParameter={'num_layers': 2, 'input_sizes': [32, 32, 3]}",
                                                             "--lr=${trialParameters.learningRate}\"",
                                                             "--num-layers=${trialParameters.numberLayers}"]) },
         ["Invalid spec.trialTemplate.trialParameters[1].name"]),
        ("Trial template contains metadata.name or metadata.namespace",
         template { $0["trialSpec"]?["metadata"] = ["name": "trial-name", "namespace": "trial-namespace"] }, ["Invalid spec.trialTemplate"]),
        ("Trial template doesn't contain APIVersion or Kind", template { $0["trialSpec"]?["apiVersion"] = "" },
         ["Required spec.trialTemplate"]),
        ("Trial template has custom Kind", template { $0["trialSpec"]?["kind"] = "CustomKind" }, []),
        ("Trial template doesn't have PrimaryContainerName", template { $0["primaryContainerName"] = "" },
         ["Required spec.trialTemplate.primaryContainerName"]),
        ("Trial template doesn't have SuccessCondition", template { $0["successCondition"] = "" }, ["Required spec.trialTemplate"]),
    ]

    @Test("TestValidateTrialTemplate", arguments: trialTemplateCases)
    func validateTrialTemplate(_ c: (String, JSON, [String])) {
        #expect(Self.kinds(Self.validator.trialTemplateProblems(c.1)) == c.2, "\(c.0)")
    }

    @Test("TestValidateTrialJob") func validateTrialJob() throws {
        let job = { (template: JSON) -> JSON in ["apiVersion": "batch/v1", "kind": "Job", "spec": ["template": template]] }
        #expect(ExperimentValidator.batchJobProblem(job(["spec": ["containers": ["name": "container-must-be-list"]]])) != nil,
                "Trial template has invalid Batch Job parameter")
        #expect(ExperimentValidator.batchJobProblem(job(["invalidSpec": "not-job-format",
                                                         "spec": ["containers": [["name": "invalid-list"]]]])) != nil,
                "Trial template has invalid Batch Job structure")
        #expect(ExperimentValidator.batchJobProblem(job(["spec": ["containers": [["resources": [
            "limits": ["nvidia.com/gpu": 1], "requests": ["nvidia.com/gpu": 1]]]]]])) == nil,
                "Valid case with nvidia.com/gpu resource in Trial template")
        var notKubernetes = job(["spec": ["containers": [["name": "container"]]]])
        notKubernetes["apiVersion"] = "test/v1"
        #expect(ExperimentValidator.batchJobProblem(notKubernetes) == nil, "Only validate Kuernetes Job")
    }

    static let collectorCases: [(String, JSON, [String])] = [
        ("Invalid metrics collector Kind", ["collector": ["kind": "invalid-kind"]], ["Invalid spec.metricsCollectorSpec.collector.kind"]),
        ("Invalid path for File metrics collector",
         ["collector": ["kind": "File"], "source": ["fileSystemPath": ["path": "not/absolute/path", "format": "TEXT"]]],
         ["Required spec.metricsCollectorSpec.source.fileSystemPath.path"]),
        ("Invalid path for TF event metrics collector",
         ["collector": ["kind": "TensorFlowEvent"], "source": ["fileSystemPath": ["path": "not/absolute/path"]]],
         ["Required spec.metricsCollectorSpec.source"]),
        ("Invalid file format for TF event metrics collector",
         ["collector": ["kind": "TensorFlowEvent"], "source": ["fileSystemPath": ["path": "/absolute/path", "format": "JSON", "kind": "Directory"]]],
         ["Invalid spec.metricsCollectorSpec.source.fileSystemPath.format"]),
        ("Invalid port and path for Prometheus metrics collector",
         ["collector": ["kind": "Prometheus"], "source": ["httpGet": ["port": 0]]],
         ["Invalid spec.metricsCollectorSpec.source.httpGet.port", "Invalid spec.metricsCollectorSpec.source.httpGet.path"]),
        ("Invalid path for Prometheus metrics collector",
         ["collector": ["kind": "Prometheus"], "source": ["httpGet": ["port": 8888, "path": "not/valid/path"]]],
         ["Invalid spec.metricsCollectorSpec.source.httpGet.path"]),
        ("Empty container for Custom metrics collector", ["collector": ["kind": "Custom"]],
         ["Required spec.metricsCollectorSpec.collector.customCollector"]),
        ("Invalid path for Custom metrics collector",
         ["collector": ["kind": "Custom", "customCollector": ["name": "my-collector"]],
          "source": ["fileSystemPath": ["path": "not/absolute/path"]]],
         ["Invalid spec.metricsCollectorSpec.source.fileSystemPath"]),
        ("Invalid metrics format regex for File metrics collector",
         ["collector": ["kind": "File"], "source": ["filter": ["metricsFormat": ["["]],
                                                    "fileSystemPath": ["path": "/absolute/path", "kind": "File", "format": "TEXT"]]],
         ["Invalid spec.metricsCollectorSpec.source.filter.metricsFormat"]),
        ("One subexpression in metrics format",
         ["collector": ["kind": "File"], "source": ["filter": ["metricsFormat": [#"{metricName: ([\w|-]+)}"#]],
                                                    "fileSystemPath": ["path": "/absolute/path", "kind": "File", "format": "TEXT"]]],
         ["Invalid spec.metricsCollectorSpec.source.filter.metricsFormat"]),
        ("Invalid file format for File metrics collector",
         ["collector": ["kind": "File"], "source": ["fileSystemPath": ["path": "/absolute/path", "kind": "File", "format": "invalid"]]],
         ["Required spec.metricsCollectorSpec.source.fileSystemPath.format"]),
        ("Invalid metrics filer for File metrics collector when file format is `JSON`",
         ["collector": ["kind": "File"], "source": ["filter": [:], "fileSystemPath": ["path": "/absolute/path", "kind": "File", "format": "JSON"]]],
         ["Invalid spec.metricsCollectorSpec.source.filter"]),
        ("Run validator for correct File metrics collector",
         ["collector": ["kind": "File"], "source": ["fileSystemPath": ["path": "/absolute/path", "kind": "File", "format": "JSON"]]], []),
    ]

    @Test("TestValidateMetricsCollector", arguments: collectorCases)
    func validateMetricsCollector(_ c: (String, JSON, [String])) {
        #expect(Self.kinds(Self.validator.metricsCollectorProblems(c.1)) == c.2, "\(c.0)")
    }

    @Test("TestValidateConfigData") func validateConfigData() {
        let empty = ExperimentValidator(config: KatibConfig(suggestions: [:], earlyStoppings: [:], metricsCollectors: [:]))
        let errors = Self.kinds(empty.validate(Self.fakeInstance(), old: nil))
        #expect(errors.contains("Invalid spec.metricsCollectorSpec.collector.kind"), "Get metrics collector config data error")
        #expect(errors.contains("Invalid spec.earlyStopping.algorithmName"), "Get early stopping config data error")
        #expect(errors.contains("Invalid spec.algorithm.algorithmName"), "Get suggestion config data error")
    }
}
