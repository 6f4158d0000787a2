import KFJSON
import Testing
@testable import TrainerRules

/// Upstream pkg/webhooks/*_test.go: the TrainJob webhook's `ValidateCreate`, the runtime
/// webhooks' `validateReplicatedJobs` and the ClusterTrainingRuntime deprecation warning.
struct WebhookTests {
    static func runtime(_ name: String = "test-runtime", labels: JSON? = nil, jobs: [JSON] = defaultJobs(replicas: 1)) -> JSON {
        var metadata: JSON = ["name": .string(name)]
        if let labels { metadata["labels"] = labels }
        return ["apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "ClusterTrainingRuntime", "metadata": metadata,
                "spec": ["template": ["spec": ["replicatedJobs": .array(jobs)]]]]
    }

    /// Upstream's `MakeJobSetWrapper`: the initializers and the trainer node, each with its step label.
    static func defaultJobs(replicas: Int, launcher: Bool = false, ancestor: String? = nil, container name: String? = nil) -> [JSON] {
        var jobs = [("dataset-initializer", "dataset-initializer"), ("model-initializer", "model-initializer"), ("node", "trainer")].map {
            replicatedJob($0.0, containers: [container(name ?? $0.0, mounts: ["initializer"])], ancestor: ancestor ?? $0.1, replicas: replicas)
        }
        if launcher { jobs.insert(replicatedJob("launcher", containers: [container("node")], replicas: replicas), at: 2) }
        return jobs
    }

    // TestValidateCreate (trainjob_webhook_test.go).
    @Test func validTrainjobNameCompliantWithRFC1035() {
        let review = TrainJobAdmission.review(trainJob: trainJob(), runtime: Self.runtime())
        #expect(review.allowed && review.warnings.isEmpty)
    }

    @Test func unsupportedRuntime() {
        let job = trainJob(runtime: "unsupported-runtime")
        let review = TrainJobAdmission.review(trainJob: job, runtime: nil)
        #expect(review.errors == [.invalid("spec.RuntimeRef", job["spec"]!["runtimeRef"]!,
                                           "clustertrainingruntimes.trainer.kubeflow.org \"unsupported-runtime\" not found: "
                                               + "specified clusterTrainingRuntime must be created before the TrainJob is created")])
        #expect(review.warnings.isEmpty)
    }

    @Test func deprecatedRuntimeReferenced() {
        let review = TrainJobAdmission.review(trainJob: trainJob(), runtime: Self.runtime(labels: ["trainer.kubeflow.org/support": "deprecated"]))
        #expect(review.allowed)
        #expect(review.warnings == ["Referenced ClusterTrainingRuntime \"test-runtime\" is deprecated and will be removed in a future "
                                    + "release of Kubeflow Trainer. See runtime deprecation policy: "
                                    + "https://trainer.kubeflow.org/en/latest/operator-guides/runtime.html#runtime-deprecation-policy"])
    }

    // TestValidateReplicatedJobs (trainingruntime_webhook_test.go); upstream ignores values and details here.
    @Test func validReplicatedJobs() {
        #expect(RuntimeAdmission.replicatedJobErrors(Self.defaultJobs(replicas: 1, launcher: true)).isEmpty)
    }

    @Test func validReplicatedJobsWithUnknownUserSpecifiedAncestor() {
        #expect(RuntimeAdmission.replicatedJobErrors(Self.defaultJobs(replicas: 2, ancestor: "user-specified")).isEmpty)
    }

    @Test func invalidReplicas() {
        let errors = RuntimeAdmission.replicatedJobErrors(Self.defaultJobs(replicas: 2, launcher: true))
        #expect(errors.map(\.field) == ["spec.template.spec.replicatedJobs[0].replicas", "spec.template.spec.replicatedJobs[1].replicas",
                                        "spec.template.spec.replicatedJobs[3].replicas"])
        #expect(errors.allSatisfy { $0.kind == .invalid && $0.value == 2 && $0.detail == "always must be 1" })
    }

    @Test func missingRequiredContainerInReplicatedJobs() {
        let errors = RuntimeAdmission.replicatedJobErrors(Self.defaultJobs(replicas: 1, container: "test"))
        #expect(errors.map(\.field) == (0..<3).map { "spec.template.spec.replicatedJobs[\($0)].template.spec.template.spec.containers" })
        #expect(errors.map(\.detail) == ["dataset-initializer", "model-initializer", "trainer"].map {
            "must contain the required container for the ancestor: \($0)"
        })
    }

    // TestClusterTrainingRuntimeValidateCreate.
    @Test func noDeprecationLabel() {
        let review = RuntimeAdmission.review(runtime: Self.runtime(), kind: "ClusterTrainingRuntime", isUpdate: false)
        #expect(review.allowed && review.warnings.isEmpty)
    }

    @Test func supportDeprecated() {
        let review = RuntimeAdmission.review(runtime: Self.runtime(labels: ["trainer.kubeflow.org/support": "deprecated"]),
                                             kind: "ClusterTrainingRuntime", isUpdate: false)
        #expect(review.allowed)
        #expect(review.warnings == ["ClusterTrainingRuntime \"test-runtime\" is deprecated and will be removed in a future release of "
                                    + "Kubeflow Trainer. See runtime deprecation policy: "
                                    + "https://trainer.kubeflow.org/en/latest/operator-guides/runtime.html#runtime-deprecation-policy"])
    }

    // Beyond upstream's cases: the webhook as a whole, and the texts a client sees.

    @Test func trainingRuntimeUpdatesAreNotChecked() {
        let bad = Self.runtime(jobs: Self.defaultJobs(replicas: 2))
        #expect(!RuntimeAdmission.review(runtime: bad, kind: "TrainingRuntime", isUpdate: false).allowed)
        #expect(RuntimeAdmission.review(runtime: bad, kind: "TrainingRuntime", isUpdate: true).allowed)
        #expect(!RuntimeAdmission.review(runtime: bad, kind: "ClusterTrainingRuntime", isUpdate: true).allowed)
    }

    @Test func anUnknownRuntimeKindIsUnsupported() {
        let review = TrainJobAdmission.review(trainJob: trainJob(kind: "Foo"), runtime: nil)
        #expect(review.message == "unsupported runtime: Foo.trainer.kubeflow.org")
    }

    @Test func aMissingNamespacedRuntimeIsNamedOnTheLowerCasePath() {
        let review = TrainJobAdmission.review(trainJob: trainJob(runtime: "mine", kind: "TrainingRuntime"), runtime: nil)
        #expect(review.message?.hasPrefix("spec.runtimeRef: Invalid value: {") == true)
        #expect(review.message?.hasSuffix(": trainingruntimes.trainer.kubeflow.org \"mine\" not found: specified trainingRuntime "
                                          + "must be created before the TrainJob is created") == true)
    }

    /// What kubectl prints after "Error from server (Forbidden): ": several errors in brackets.
    @Test func theDenialReadsAsTheApiserverWritesIt() {
        let job = trainJob(runtime: "torchtune-llama3.2-3b",
                           trainer: tuneTrainer(numNodes: 2, args: ["output_dir=/x"]),
                           initializer: ["dataset": ["storageUri": "hf://a/b"]])
        let runtime = Self.runtime("torchtune-llama3.2-3b", jobs: [replicatedJob("node", containers: [container("node")], ancestor: "trainer")])
        var torch = runtime
        torch["spec"]?["mlPolicy"] = ["torch": [:]]
        let review = TrainJobAdmission.review(trainJob: job, runtime: torch)
        let ref = #"{"apiGroup":"trainer.kubeflow.org","kind":"ClusterTrainingRuntime","name":"torchtune-llama3.2-3b"}"#
        #expect(TrainJobAdmission.deniedMessage(review.message!) ==
            "admission webhook \"validator.trainjob.trainer.kubeflow.org\" denied the request: ["
            + "spec.runtimeRef: Invalid value: \(ref): must have dataset-initializer job when trainJob is configured with input datasetConfig, "
            + "spec.trainer.numNodes: Invalid value: 2: must be 1 for llama3_2/3B model, "
            + "spec.trainer.args[0]: Invalid value: \"output_dir=/x\": must not set immutable config \"output_dir\" in trainer args; "
            + "it is managed by the runtime]")
    }

    /// The planner's pre-flight puts a plan to the same rules.
    @Test func plannedBuiltinTrainerJobs() {
        #expect(PlannedBuiltinTrainerJob.review(runtime: "torchtune-llama3.2-1b", numNodes: 1, gpusPerNode: nil, method: .lora).allowed)
        #expect(PlannedBuiltinTrainerJob.review(runtime: "torchtune-llama3.2-1b", numNodes: 1, gpusPerNode: 1, method: .qlora).allowed)
        let qlora = PlannedBuiltinTrainerJob.review(runtime: "torchtune-llama3.2-1b", numNodes: 1, gpusPerNode: nil, method: .qlora)
        #expect(qlora.errors.map(\.field) == ["spec.trainer.numProcPerNode", "spec.trainer.resourcesPerNode"])
        let nodes = PlannedBuiltinTrainerJob.review(runtime: "torchtune-llama3.2-1b", numNodes: 2, gpusPerNode: nil, method: .full)
        #expect(nodes.message == "spec.trainer.numNodes: Invalid value: 2: must be 1 for llama3_2/1B model")
    }
}
