import KFJSON
import Testing
@testable import TrainerRules

/// Upstream `TestValidate` of the mpi, flux and volcano plugins and `TestXGBoostValidate`.
struct MPIValidateTests {
    static func mpi(runLauncherAsNode: Bool? = nil, jobs: [JSON] = []) -> RuntimeInfo {
        var policy: JSON = ["numProcPerNode": 1, "mpiImplementation": "OpenMPI"]
        if let runLauncherAsNode { policy["runLauncherAsNode"] = .bool(runLauncherAsNode) }
        return RuntimeInfo(mlPolicy: ["mpi": policy], replicatedJobs: jobs)
    }
    static let launcherAndNodeError = "must have 1 when MPI trainingRuntime with enabled runLauncherAsNode does not have either launcher and node"
    static let hostfile = env("OMPI_MCA_orte_default_hostfile", "/custom/hostfile")
    static let rsh = env("OMPI_MCA_plm_rsh_args", "custom-args")

    static let cases: [Case] = [
        Case("no action when info is nil ", info: nil),
        Case("no action when info does not have MLPolicySource", info: RuntimeInfo(), old: trainJob(), new: trainJob()),
        Case("info does not have MPIPolicySource", info: RuntimeInfo(mlPolicy: [:]), old: trainJob(), new: trainJob()),
        Case("numProcPerNode typed is int", info: mpi(), new: trainJob(trainer: ["numProcPerNode": 8])),
        Case("runtime does not have Launcher but TrainJob has only 1 numNodes",
             info: mpi(runLauncherAsNode: true, jobs: [replicatedJob("node", containers: [container("node")], ancestor: "trainer")]),
             new: trainJob(trainer: ["numNodes": 1])),
        Case("runtime does not have Launcher even though MPI with runLauncherAsNode has 2 numNodes",
             info: mpi(runLauncherAsNode: true, jobs: [replicatedJob("node", containers: [container("node")])]),
             new: trainJob(trainer: ["numNodes": 2]), want: [.invalid("spec.trainer.numNodes", 2, launcherAndNodeError)]),
        Case("runtime does not have Node even though MPI with runLauncherAsNode has 2 numNodes",
             info: mpi(runLauncherAsNode: true, jobs: [replicatedJob("launcher", containers: [container("node")])]),
             new: trainJob(trainer: ["numNodes": 2]), want: [.invalid("spec.trainer.numNodes", 2, launcherAndNodeError)]),
        Case("runtime does not have Launcher and Node even though MPI with runLauncherAsNode has 2 numNodes",
             info: mpi(runLauncherAsNode: true),
             new: trainJob(trainer: ["numNodes": 2]), want: [.invalid("spec.trainer.numNodes", 2, launcherAndNodeError)]),
        Case("trainer has reserved MPI env OMPI_MCA_orte_default_hostfile", info: mpi(),
             new: trainJob(trainer: ["env": [hostfile]]),
             want: [.invalid("spec.trainer.env", [hostfile],
                             "must not have reserved envs, invalid envs configured: [OMPI_MCA_orte_default_hostfile]")]),
        Case("trainer has multiple reserved MPI envs", info: mpi(),
             new: trainJob(trainer: ["env": [hostfile, rsh]]),
             want: [.invalid("spec.trainer.env", [hostfile, rsh],
                             "must not have reserved envs, invalid envs configured: [OMPI_MCA_orte_default_hostfile OMPI_MCA_plm_rsh_args]")]),
        Case("trainer has non-reserved env is valid", info: mpi(), new: trainJob(trainer: ["env": [env("CUSTOM_ENV", "custom-value")]])),
    ]

    @Test(arguments: cases)
    func validate(_ c: Case) {
        #expect(MPIValidation.validate(info: c.info, new: c.new) == c.want)
    }
}

struct XGBoostValidateTests {
    static let xgboost = RuntimeInfo(mlPolicy: ["xgboost": [:]])
    static let cases: [Case] = [
        Case("no error when runtimeInfo is nil", info: nil,
             new: trainJob(trainer: ["numNodes": 1, "env": [env("DMLC_TRACKER_URI", "custom-tracker")]])),
        Case("no error when runtime is not XGBoost (e.g. Torch)", info: torchInfo(),
             new: trainJob(trainer: ["numNodes": 1, "env": [env("DMLC_TRACKER_URI", "custom-tracker")]])),
        Case("no error when trainer is nil", info: xgboost, new: trainJob()),
        Case("no error when env does not contain reserved names", info: xgboost, new: trainJob(trainer: ["numNodes": 1])),
        Case("error when using reserved DMLC_TRACKER_URI env", info: xgboost,
             new: trainJob(trainer: ["numNodes": 1, "env": [env("DMLC_TRACKER_URI", "custom-tracker")]]),
             want: [.forbidden("spec.trainer.env[0]", "DMLC_TRACKER_URI is reserved for the XGBoost runtime")]),
        Case("error when using reserved DMLC_NUM_WORKER env", info: xgboost,
             new: trainJob(trainer: ["numNodes": 1, "env": [env("DMLC_NUM_WORKER", "10")]]),
             want: [.forbidden("spec.trainer.env[0]", "DMLC_NUM_WORKER is reserved for the XGBoost runtime")]),
        Case("multiple errors when using multiple reserved envs", info: xgboost,
             new: trainJob(trainer: ["numNodes": 1, "env": [env("DMLC_TRACKER_URI", "custom"), env("DMLC_TASK_ID", "0")]]),
             want: [.forbidden("spec.trainer.env[0]", "DMLC_TRACKER_URI is reserved for the XGBoost runtime"),
                    .forbidden("spec.trainer.env[1]", "DMLC_TASK_ID is reserved for the XGBoost runtime")]),
    ]

    @Test(arguments: cases)
    func xgboostValidate(_ c: Case) {
        #expect(XGBoostValidation.validate(info: c.info, new: c.new) == c.want)
    }
}

struct FluxValidateTests {
    static let cases: [Case] = [
        Case("valid when flux policy is nil", info: RuntimeInfo(), new: [:]),
        Case("valid when flux policy is present", info: RuntimeInfo(mlPolicy: ["flux": [:]]), new: [:]),
        Case("invalid when runtime policy numProcPerNode is less than one", info: RuntimeInfo(mlPolicy: ["flux": ["numProcPerNode": 0]]),
             new: [:], want: [.invalid("spec.trainer.numProcPerNode", 0, "must be greater than or equal to 1 for Flux TrainJob")]),
        Case("invalid when trainJob numProcPerNode is less than one", info: RuntimeInfo(mlPolicy: ["flux": ["numProcPerNode": 1]]),
             new: trainJob(trainer: ["numProcPerNode": 0]),
             want: [.invalid("spec.trainer.numProcPerNode", 0, "must be greater than or equal to 1 for Flux TrainJob")]),
        Case("invalid when node podSet includes reserved flux installer init container",
             info: RuntimeInfo(mlPolicy: ["flux": [:]], replicatedJobs: [replicatedJob("node", initContainers: [container("flux-installer")])]),
             new: [:], want: [.invalid("spec.trainer.initContainers", "flux-installer", "InitContainer 'flux-installer' is reserved")]),
    ]

    @Test(arguments: cases)
    func validate(_ c: Case) {
        #expect(FluxValidation.validate(info: c.info, new: c.new) == c.want)
    }
}

struct VolcanoValidateTests {
    static func volcano(annotations: [String: String] = [:], priorityClass: String? = nil) -> RuntimeInfo {
        let pod: [String: JSON] = priorityClass.map { ["priorityClassName": .string($0)] } ?? [:]
        return RuntimeInfo(podGroupPolicy: ["volcano": [:]], annotations: annotations,
                           replicatedJobs: priorityClass == nil ? [] : [replicatedJob("node", pod: pod)])
    }
    static let existing = ClusterFacts { $0 == "existing-priority" }

    static let cases: [Case] = [
        Case("no action when info is nil", info: nil),
        Case("no action when Volcano policy not enabled", info: RuntimeInfo(), old: trainJob(), new: trainJob()),
        Case("queue annotation is empty", info: volcano(annotations: ["scheduling.volcano.sh/queue-name": ""]),
             want: [.invalid("spec.annotations[scheduling.volcano.sh/queue-name]", "", "Volcano queue name must not be empty")]),
        Case("priorityClassName does not exist", info: volcano(priorityClass: "non-existent"), cluster: existing,
             want: [.invalid("spec.templateSpec.priorityClassName", "non-existent",
                             "PriorityClass \"non-existent\" doesn't exist: priorityclasses.scheduling.k8s.io \"non-existent\" not found")]),
        Case("priorityClassName exists", info: volcano(priorityClass: "existing-priority"), cluster: existing),
    ]

    @Test(arguments: cases)
    func validate(_ c: Case) {
        #expect(VolcanoValidation.validate(info: c.info, cluster: c.cluster) == c.want)
    }
}
