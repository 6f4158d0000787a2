@testable import ClusterSim
import Foundation
import KatibRules
import KFJSON
import Testing

/// The StdOut collector's parsing, with upstream's TEXT cases
/// (pkg/metricscollector/v1beta1/file-metricscollector/file-metricscollector_test.go), and the
/// pod webhook's wrapping (pkg/webhook/v1beta1/pod/inject_webhook_test.go).
@Suite("Katib metrics collector (upstream cases)") struct KatibMetricsCollectorTests {
    static let filter = #"{metricName: ([\w|-]+), metricValue: ((-?\d+)(\.\d+)?)}"#
    static let zero = StdOutCollector.zeroTime

    static func log(_ rows: [(String, String, String)]) -> [StdOutCollector.MetricLog] {
        rows.map { StdOutCollector.MetricLog(timestamp: $0.0, name: $0.1, value: $0.2) }
    }

    @Test("Positive case for logs in TEXT format") func positiveText() {
        let lines = """
        2024-03-04T17:55:08Z INFO     {metricName: accuracy, metricValue: 0.8078};{metricName: loss, metricValue: 0.5183}
        2024-03-04T17:55:08Z INFO     {metricName: accuracy, metricValue: 0.6752}
        2024-03-04T17:55:08Z INFO     {metricName: loss, metricValue: 0.3634}
        2024-03-04T17:55:08Z INFO     {metricName: accuracy, metricValue: 100}
        2024-03-04T17:55:08Z INFO     {metricName: accuracy, metricValue: 888.333}
        2024-03-04T17:55:08Z INFO     {metricName: accuracy, metricValue: -0.4759}
        {metricName: loss, metricValue: 0.8671}
        """.components(separatedBy: "\n")
        let t = "2024-03-04T17:55:08Z"
        #expect(StdOutCollector.observationLog(lines, metrics: ["accuracy", "loss"], filters: [Self.filter]) == Self.log([
            (t, "accuracy", "0.8078"), (t, "loss", "0.5183"), (t, "accuracy", "0.6752"), (t, "loss", "0.3634"),
            (t, "accuracy", "100"), (t, "accuracy", "888.333"), (t, "accuracy", "-0.4759"), (Self.zero, "loss", "0.8671"),
        ]))
    }

    @Test("Invalid case for logs in TEXT format") func invalidText() {
        let lines = """
        2024-03-04T17:55:08Z INFO     {metricName: accuracy, metricValue: .333}
        2024-03-04T17:55:08Z INFO     {metricName: accuracy, metricValue: -.333}
        2024-03-04T17:55:08Z INFO     {metricName: accuracy, metricValue: - 345.333}
        2024-03-04T17:55:08Z INFO     {metricName: accuracy, metricValue: 888.}
        """.components(separatedBy: "\n")
        #expect(StdOutCollector.observationLog(lines, metrics: ["accuracy", "loss"], filters: [Self.filter])
                == Self.log([(Self.zero, "accuracy", "unavailable")]))
    }

    @Test("Invalid formatted file for logs in TEXT format") func invalidFormatText() {
        let lines = ["2024-03-04T17:55:08Z INFO     {metricName: accuracy, metricValue: 0.6752",
                     "2024-03-04T17:55:08Z INFO     {metricName: loss, metricValue: 0.3634}"]
        #expect(StdOutCollector.observationLog(lines, metrics: ["accuracy", "loss"], filters: [Self.filter])
                == Self.log([(Self.zero, "accuracy", "unavailable")]))
    }

    @Test("Invalid timestamp for logs in TEXT format") func invalidTimestampText() {
        let lines = ["2024-03-04T17:55:08Z INFO     {metricName: accuracy, metricValue: 0.6752}",
                     "invalid INFO     {metricName: loss, metricValue: 0.3634}"]
        #expect(StdOutCollector.observationLog(lines, metrics: ["accuracy", "loss"], filters: [Self.filter])
                == Self.log([("2024-03-04T17:55:08Z", "accuracy", "0.6752"), (Self.zero, "loss", "0.3634")]))
    }

    @Test("Missing objective metric in TEXT training logs") func missingObjective() {
        let lines = ["2024-03-04T17:55:08Z INFO     {metricName: loss, metricValue: 0.3634}",
                     "2024-03-04T17:55:08Z INFO     {metricName: loss, metricValue: 0.8671}"]
        #expect(StdOutCollector.observationLog(lines, metrics: ["accuracy", "loss"])
                == Self.log([(Self.zero, "accuracy", "unavailable")]))
    }

    @Test("The default filter reads name=value, scientific values too, and only the named metrics")
    func defaultFilter() {
        let lines = ["epoch=1 loss=0.52 accuracy=0.7", "step 3 | loss 0.4", "epoch=2 loss = 1.5e-01 lr=2e-05"]
        #expect(StdOutCollector.observationLog(lines, metrics: ["loss", "accuracy"]) == Self.log([
            (Self.zero, "loss", "0.52"), (Self.zero, "accuracy", "0.7"), (Self.zero, "loss", "1.5e-01"),
        ]))
    }

    /// The trial controller's getMetrics: min and max of the numbers, latest by timestamp
    /// (ties: the later line), `unavailable` while nothing numeric was reported.
    @Test func observationTakesMinMaxAndLatest() {
        let logs = Self.log([(Self.zero, "loss", "0.9"), (Self.zero, "loss", "0.4"), (Self.zero, "loss", "0.6"),
                             (Self.zero, "accuracy", "unavailable")])
        let metrics = StdOutCollector.observation(logs, strategies: [("loss", "min"), ("accuracy", "max")])
        #expect(metrics[0] == ["name": "loss", "min": "0.4", "max": "0.9", "latest": "0.6"])
        #expect(metrics[1] == ["name": "accuracy", "min": "unavailable", "max": "unavailable", "latest": "unavailable"])
        #expect(StdOutCollector.extracted(metrics[0], strategy: "min") == "0.4")
    }

    // MARK: Pod webhook (inject_webhook_test.go)

    @Test("TestWrapWorkerContainer") func wrapWorkerContainer() throws {
        let plain = try MetricsCollectorInjector.wrapped(["name": "tensorflow", "command": ["python main.py"]], metricsFile: "metric.log")
        #expect(plain.command == ["sh", "-c"], "Tensorflow container without sh -c")
        #expect(plain.args == "python main.py 1>metric.log 2>&1 && echo completed > $$$$.pid")
        let shell = try MetricsCollectorInjector.wrapped(["name": "tensorflow", "command": ["sh", "-c", "python main.py"]],
                                                         metricsFile: "metric.log")
        #expect(shell.command == ["sh", "-c"] && shell.args == plain.args, "Tensorflow container with sh -c")
        let stdout = try MetricsCollectorInjector.wrapped(["command": ["bash", "-c"], "args": ["torchrun train.py"]])
        #expect(stdout.command == ["bash", "-c"])
        #expect(stdout.args == "torchrun train.py 1>/var/log/katib/metrics.log 2>&1 && echo completed > /var/log/katib/$$$$.pid")
    }

    @Test("TestIsPrimaryPod / TestMutatePodMetadata / TestMutatePodEnv") func mutatesOnlyPrimaryPods() throws {
        let trial: JSON = ["metadata": ["name": "trial-name", "namespace": "ns", "labels": ["katib.kubeflow.org/experiment": "exp"]],
                           "spec": ["primaryContainerName": "node", "primaryPodLabels": ExperimentDefaulter.trainJobPrimaryPodLabels,
                                    "objective": ["type": "minimize", "objectiveMetricName": "loss",
                                                  "additionalMetricNames": ["accuracy"]],
                                    "metricsCollector": ["collector": ["kind": "StdOut"]]]]
        let pod = { (role: String) -> JSON in
            ["metadata": ["name": "p", "namespace": "ns", "labels": ["jobset.sigs.k8s.io/replicatedjob-name": .string(role)]],
             "spec": ["containers": [["name": "node", "image": "pytorch", "command": ["torchrun", "train.py"]]]]]
        }
        let injector = MetricsCollectorInjector(store: ObjectStore())
        let primary = try injector.mutate(pod("node"), trial: trial)
        #expect(primary.labels["katib.kubeflow.org/trial"] == "trial-name")
        #expect(primary.labels["katib.kubeflow.org/experiment"] == "exp")
        let containers = primary["spec"]?["containers"]?.array ?? []
        #expect(containers.map { $0["name"]?.string ?? "" } == ["node", "metrics-logger-and-collector"])
        #expect(containers[0]["env"]?[0]?["name"] == "KATIB_TRIAL_NAME")
        #expect(containers[0]["command"] == ["sh", "-c"])
        #expect(containers[1]["args"] == ["-t", "trial-name", "-m", "loss;accuracy", "-o-type", "minimize",
                                         "-s-db", "katib-db-manager.kubeflow:6789", "-path", "/var/log/katib/metrics.log",
                                         "-format", "TEXT"])
        #expect(containers[1]["image"] == "ghcr.io/kubeflow/katib/file-metrics-collector:v0.19.0")
        #expect(primary["spec"]?["shareProcessNamespace"] == true)
        #expect(primary["spec"]?["volumes"]?[0]?["name"] == "metrics-volume")
        // Not a primary pod (an initializer): labels and env only, no sidecar.
        let other = try injector.mutate(pod("dataset-initializer"), trial: trial)
        #expect(other["spec"]?["containers"]?.array?.count == 1)
        #expect(other.labels["katib.kubeflow.org/trial"] == "trial-name")
        // Mismatch for Pod name and primaryContainerName in Trial.
        var missing = trial
        missing.set("tensorflow", at: ["spec", "primaryContainerName"])
        #expect(throws: MetricsCollectorInjector.Failure.self) { try injector.mutate(pod("node"), trial: missing) }
    }

    // MARK: Defaulter (experiment_defaults.go)

    @Test func defaulterFillsWhatTheSDKLeavesOut() {
        let sdk: JSON = ["metadata": ["name": "e"], "spec": [
            "objective": ["type": "minimize", "objectiveMetricName": "loss", "additionalMetricNames": ["accuracy"]],
            "parameters": [["name": "lr", "parameterType": "double", "feasibleSpace": ["min": "0.1", "max": "0.5"]]],
            "trialTemplate": ["primaryContainerName": "node", "trialSpec": ["apiVersion": "trainer.kubeflow.org/v1alpha1",
                                                                            "kind": "TrainJob", "spec": [:]]]]]
        let spec = ExperimentDefaulter.defaulted(sdk)["spec"] ?? [:]
        #expect(spec["parallelTrialCount"] == 3)
        #expect(spec["resumePolicy"] == "Never")
        #expect(spec["metricsCollectorSpec"] == ["collector": ["kind": "StdOut"]])
        #expect(spec["objective"]?["metricStrategies"] == [["name": "loss", "value": "min"], ["name": "accuracy", "value": "min"]])
        #expect(spec["trialTemplate"]?["successCondition"]?.string == ExperimentDefaulter.jobSuccessCondition)
        #expect(spec["trialTemplate"]?["failureCondition"]?.string == ExperimentDefaulter.jobFailureCondition)
        #expect(spec["trialTemplate"]?["primaryPodLabels"] == ["jobset.sigs.k8s.io/replicatedjob-name": "node"])
        #expect(spec["parameters"]?[0]?["feasibleSpace"]?["distribution"] == "uniform")
    }
}
