import KFJSON
import Testing
@testable import TrainerRules

/// Upstream pkg/runtime/framework/plugins/jobset/jobset_test.go `TestValidate`, case by case.
struct JobSetValidateTests {
    static let ref: JSON = trainJob()["spec"]!["runtimeRef"]!
    static let node = replicatedJob("node", containers: [container("node")])
    static let saPatch = runtimePatch(job: "node", pod: ["serviceAccountName": "service-account"])
    static let saPatchUpdated = runtimePatch(job: "node", pod: ["serviceAccountName": "service-account-updated"])
    static let datasetAndNode = [replicatedJob("dataset-initializer", containers: [container("dataset-initializer")]), node]
    static let activeError = "RuntimePatches cannot be modified when the JobSet's ReplicatedJob node is still active"

    static func invalidPatches(_ patches: [JSON], _ detail: String) -> FieldError {
        .invalid("spec.runtimePatches", .array(patches), detail)
    }

    static let cases: [Case] = [
        Case("no initializer job", info: RuntimeInfo(), new: trainJob()),
        Case("no dataset initializer job", info: RuntimeInfo(), new: trainJob(initializer: [:])),
        Case("must have dataset initializer job when trainJob is configured with input datasetConfig",
             info: RuntimeInfo(replicatedJobs: [replicatedJob("random", containers: [container("random")])]),
             new: trainJob(initializer: ["dataset": [:]]),
             want: [.invalid("spec.runtimeRef", ref, "must have dataset-initializer job when trainJob is configured with input datasetConfig")]),
        Case("must have container with name - dataset initializer in the dataset initializer job",
             info: RuntimeInfo(replicatedJobs: [replicatedJob("dataset-initializer")]),
             new: trainJob(initializer: ["dataset": [:]]),
             want: [.invalid("spec.runtimeRef", ref, "must have container with name - dataset-initializer in the dataset-initializer job")]),
        Case("no model initializer job",
             info: RuntimeInfo(replicatedJobs: [replicatedJob("dataset-initializer", containers: [container("dataset-initializer")])]),
             new: trainJob(initializer: [:])),
        Case("must have model initializer job when trainJob is configured with input modelConfig",
             info: RuntimeInfo(replicatedJobs: [replicatedJob("random", containers: [container("random")])]),
             new: trainJob(initializer: ["model": [:]]),
             want: [.invalid("spec.runtimeRef", ref, "must have model-initializer job when trainJob is configured with input modelConfig")]),
        Case("must have container with name - model initializer in the model initializer job",
             info: RuntimeInfo(replicatedJobs: [replicatedJob("model-initializer")]),
             new: trainJob(initializer: ["model": [:]]),
             want: [.invalid("spec.runtimeRef", ref, "must have container with name - model-initializer in the model-initializer job")]),
        Case("valid dataset initializer with volumeClaimPolicies and volumeMount passes",
             info: RuntimeInfo(replicatedJobs: [replicatedJob("dataset-initializer", containers: [container("dataset-initializer", mounts: ["initializer"])])]),
             new: trainJob(initializer: ["dataset": [:]])),
        Case("valid model initializer with volumeClaimPolicies and volumeMount passes",
             info: RuntimeInfo(replicatedJobs: [replicatedJob("model-initializer", containers: [container("model-initializer", mounts: ["initializer"])])]),
             new: trainJob(initializer: ["model": [:]])),
        Case("valid dataset and model initializers together pass",
             info: RuntimeInfo(replicatedJobs: [
                 replicatedJob("dataset-initializer", containers: [container("dataset-initializer", mounts: ["initializer"])]),
                 replicatedJob("model-initializer", containers: [container("model-initializer", mounts: ["initializer"])]),
             ]),
             new: trainJob(initializer: ["dataset": [:], "model": [:]])),
        Case("must have volumeMount with name - initializer in the dataset initializer container",
             info: RuntimeInfo(replicatedJobs: [replicatedJob("dataset-initializer", containers: [container("dataset-initializer")])]),
             new: trainJob(initializer: ["dataset": [:]]),
             want: [.invalid("spec.runtimeRef", ref, "must have volumeMount with name - initializer in container dataset-initializer of the dataset-initializer job")]),
        Case("must have volumeMount with name - initializer in the model initializer container",
             info: RuntimeInfo(replicatedJobs: [replicatedJob("model-initializer", containers: [container("model-initializer")])]),
             new: trainJob(initializer: ["model": [:]]),
             want: [.invalid("spec.runtimeRef", ref, "must have volumeMount with name - initializer in container model-initializer of the model-initializer job")]),
        Case("runtimePatches contain invalid replicated job",
             info: RuntimeInfo(replicatedJobs: [replicatedJob("node")]),
             new: trainJob(patches: [runtimePatch(job: "invalid")]),
             want: [invalidPatches([runtimePatch(job: "invalid")], "must not have replicated job that doesn't exist in the runtime job template")]),
        Case("runtimePatches contain invalid initContainer",
             info: RuntimeInfo(replicatedJobs: [replicatedJob("node", initContainers: [container("custom-init")])]),
             new: trainJob(patches: [runtimePatch(job: "node", pod: ["initContainers": [["name": "invalid"]]])]),
             want: [invalidPatches([runtimePatch(job: "node", pod: ["initContainers": [["name": "invalid"]]])],
                                   "must not have initContainer that doesn't exist in the runtime job node")]),
        Case("runtimePatches contain invalid container",
             info: RuntimeInfo(replicatedJobs: [node]),
             new: trainJob(patches: [runtimePatch(job: "node", pod: ["containers": [["name": "invalid"]]])]),
             want: [invalidPatches([runtimePatch(job: "node", pod: ["containers": [["name": "invalid"]]])],
                                   "must not have container that doesn't exist in the runtime job node")]),
        Case("runtimePatches contain envs for reserved container",
             info: RuntimeInfo(replicatedJobs: [node]),
             new: trainJob(patches: [runtimePatch(job: "node", pod: ["containers": [container("node", env: [env("ENV_NAME", "OVERRIDE")])]])]),
             want: [invalidPatches([runtimePatch(job: "node", pod: ["containers": [container("node", env: [env("ENV_NAME", "OVERRIDE")])]])],
                                   "must not have envs for the dataset-initializer, model-initializer, node containers")]),
        Case("allow runtimePatches when creating a new trainJob",
             info: RuntimeInfo(replicatedJobs: [node]), new: trainJob(patches: [saPatch])),
        Case("allow updates to trainJob with no changes to runtimePatches",
             info: RuntimeInfo(replicatedJobs: [node]), old: trainJob(patches: [saPatch]), new: trainJob(patches: [saPatch])),
        Case("forbid changes to runtimePatches when trainJob is not suspended",
             info: RuntimeInfo(replicatedJobs: [node]), old: trainJob(patches: [saPatch]), new: trainJob(patches: [saPatchUpdated]),
             want: [.forbidden("spec.runtimePatches", "RuntimePatches can only be modified when the TrainJob is suspended before or after the update")]),
        Case("allow changes to runtimePatches when trainJob is suspended and jobSet does not exist",
             info: RuntimeInfo(replicatedJobs: [node]),
             old: trainJob(patches: [saPatch], suspend: true), new: trainJob(patches: [saPatchUpdated], suspend: true)),
        Case("allow atomic update: modify runtimePatches and unsuspend trainJob in a single request",
             info: RuntimeInfo(replicatedJobs: [node]),
             old: trainJob(patches: [saPatch], suspend: true), new: trainJob(patches: [saPatchUpdated], suspend: false)),
        Case("allow atomic update: modify runtimePatches and suspend trainJob in a single request",
             info: RuntimeInfo(replicatedJobs: [node]),
             old: trainJob(patches: [saPatch], suspend: false), new: trainJob(patches: [saPatchUpdated], suspend: true)),
        Case("allow changes to runtimePatches when trainJob is suspended and jobSet exists but is inactive",
             info: RuntimeInfo(replicatedJobs: datasetAndNode),
             old: trainJob(patches: [saPatch], suspend: true), new: trainJob(patches: [saPatchUpdated], suspend: true),
             cluster: ClusterFacts(activeReplicatedJobs: [])),
        Case("forbid changes to runtimePatches when trainJob is suspended but jobSet has an active replicatedJob",
             info: RuntimeInfo(replicatedJobs: datasetAndNode),
             old: trainJob(patches: [saPatch], suspend: true), new: trainJob(patches: [saPatchUpdated], suspend: true),
             cluster: ClusterFacts(activeReplicatedJobs: ["node"]),
             want: [.forbidden("spec.runtimePatches", activeError)]),
        Case("forbid atomic update: suspending trainJob with runtimePatches change is rejected when jobSet has an active replicatedJob",
             info: RuntimeInfo(replicatedJobs: datasetAndNode),
             old: trainJob(patches: [saPatch], suspend: false), new: trainJob(patches: [saPatchUpdated], suspend: true),
             cluster: ClusterFacts(activeReplicatedJobs: ["node"]),
             want: [.forbidden("spec.runtimePatches", activeError)]),
        Case("forbid changes to runtimePatches when trainJob is suspended but has multiple active replicatedJobs",
             info: RuntimeInfo(replicatedJobs: datasetAndNode),
             old: trainJob(patches: [saPatch], suspend: true), new: trainJob(patches: [saPatchUpdated], suspend: true),
             cluster: ClusterFacts(activeReplicatedJobs: ["dataset-initializer", "node"]),
             want: [.forbidden("spec.runtimePatches", "RuntimePatches cannot be modified when the JobSet's ReplicatedJob dataset-initializer is still active"),
                    .forbidden("spec.runtimePatches", activeError)]),
        Case("forbid changes to runtimePatches when trainJob is suspended but jobSet cannot be checked due to a client error",
             info: RuntimeInfo(replicatedJobs: [node]),
             old: trainJob(patches: [saPatch], suspend: true), new: trainJob(patches: [saPatchUpdated], suspend: true),
             cluster: ClusterFacts(jobSetLookupError: "client error"),
             want: [.internalError("spec.runtimePatches", "client error")]),
    ]

    @Test(arguments: cases)
    func validate(_ c: Case) {
        #expect(JobSetValidation.validate(info: c.info ?? RuntimeInfo(), old: c.old, new: c.new, cluster: c.cluster) == c.want)
    }

    /// `validation.IsDomainPrefixedPath` on the manager (no upstream case in jobset_test.go;
    /// the apimachinery rule's own cases).
    @Test func managerMustBeADomainPrefixedPath() {
        #expect(JobSetValidation.managerErrors("test.io/manager").isEmpty)
        #expect(JobSetValidation.managerErrors("") == [.required("spec.runtimePatches.manager")])
        #expect(JobSetValidation.managerErrors("manager").first?.detail == "must be a domain-prefixed path (such as \"acme.io/foo\")")
        #expect(JobSetValidation.managerErrors("Bad_Host/x").first?.value == "Bad_Host")
    }
}
