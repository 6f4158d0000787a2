import PluginKit
import TrainerRules

/// Reads and writes of Trainer objects through the host, with errors that say
/// what is missing and what to do. Every request goes through `call.k8s`.
struct TrainerAPI {
    let call: ToolCall
    let namespace: String

    /// The Trainer API group's discovery document (are the CRDs installed?).
    static let discovery = K8sRequest.nonResource("/apis/trainer.kubeflow.org/v1alpha1")
    /// Where Trainer publishes its version.
    static let publicConfigMap = K8sRequest.get(.configMaps, "kubeflow-trainer-public", namespace: "kubeflow-system")

    init(_ call: ToolCall) throws {
        self.call = call
        self.namespace = try call.optionalString("namespace") ?? call.defaultNamespace
    }

    /// The SDK's get_runtime: the namespaced TrainingRuntime first, on 404 the
    /// ClusterTrainingRuntime of the same name.
    func runtime(_ name: String, field: String = "runtime") throws -> (info: RuntimeInfo, object: JSON) {
        let object = try runtimeObject(name, field: field)
        guard let info = RuntimeInfo(object) else {
            throw ToolError("Runtime \(name) has no \(RuntimeInfo.frameworkLabel) label, so it cannot be used for training; pick one from list_training_runtimes.",
                            field: field)
        }
        return (info, object)
    }

    func runtimeObject(_ name: String, field: String = "runtime") throws -> JSON {
        let namespaced = call.k8s(.get(.trainingRuntimes, name, namespace: namespace))
        if namespaced.ok { return namespaced.body }
        guard namespaced.status == 404 else { throw Self.failure(namespaced, doing: "read TrainingRuntime \(name)") }
        let cluster = call.k8s(.get(.clusterTrainingRuntimes, name))
        if cluster.ok { return cluster.body }
        if cluster.status == 404 {
            throw ToolError("Runtime \(name) was found neither as a TrainingRuntime in namespace \(namespace) nor as a ClusterTrainingRuntime; call list_training_runtimes to see the available ones.",
                            field: field)
        }
        throw Self.failure(cluster, doing: "read ClusterTrainingRuntime \(name)")
    }

    /// The SDK's list_runtimes (namespaced wins, unlabelled skipped).
    func runtimes() throws -> [RuntimeInfo] {
        let cluster = try call.k8sJSON(.list(.clusterTrainingRuntimes))
        let namespaced = call.k8s(.list(.trainingRuntimes, namespace: namespace))
        // A user may lack rights on namespaced runtimes; cluster ones still count.
        let local = namespaced.ok ? namespaced.body["items"]?.array ?? [] : []
        return RuntimeInfo.merge(namespaced: local, cluster: cluster["items"]?.array ?? [])
    }

    func trainJob(_ name: String) throws -> JSON {
        let r = call.k8s(.get(.trainJobs, name, namespace: namespace))
        if r.ok { return r.body }
        if r.status == 404 {
            throw ToolError("TrainJob \(name) does not exist in namespace \(namespace); call list_training_jobs to see the jobs there.",
                            field: "job_id")
        }
        throw Self.failure(r, doing: "read TrainJob \(name)")
    }

    /// Pods of one job, with the SDK's selector.
    func pods(ofJob name: String) throws -> [JSON] {
        try call.k8sJSON(.list(.pods, namespace: namespace, query: ["labelSelector": JobSteps.podSelector(job: name)]))["items"]?
            .array ?? []
    }

    /// A job with its runtime, steps and SDK status: what get_job returns.
    func jobDetails(_ name: String) throws -> JobDetails {
        let job = try trainJob(name)
        let runtimeName = job["spec"]?["runtimeRef"]?["name"]?.string ?? ""
        let runtime = try? runtime(runtimeName).info
        let pods = try pods(ofJob: name)
        let steps = JobSteps.build(pods: pods, mpi: runtime?.entrypoint == .mpi)
        let nodes = JobStatus.numNodes(trainJob: job, runtimeNodes: runtime?.numNodes)
        return JobDetails(object: job, runtime: runtime, pods: pods, steps: steps, numNodes: nodes,
                          status: JobStatus.status(trainJob: job, steps: steps, numNodes: nodes),
                          sdkStatus: JobStatus.sdkStatus(trainJob: job, steps: steps, numNodes: nodes))
    }

    /// Kubeflow Trainer v2.3.0's TrainJob webhook (TrainerRules, the code the simulator runs as
    /// its admission webhook) on the exact TrainJob a tool is about to send or preview, with the
    /// runtime object it was built for. What a real cluster would deny is refused before anything
    /// is sent, in the webhook's own words (as kube-apiserver answers them), with the fix.
    static func checkAdmitted(_ trainJob: JSON, runtime: RuntimeInfo) throws {
        let review = TrainJobAdmission.review(trainJob: trainJob, runtime: runtime.object)
        guard let reason = review.message else { return }
        let fix = DenialFix(review.errors.first, runtime: runtime)
        throw ToolError("Kubeflow Trainer v2.3.0 would deny this TrainJob (\(TrainJobAdmission.deniedMessage(reason))); nothing was created. Fix: \(fix.text)",
                        field: fix.argument)
    }

    /// Creates the TrainJob (one POST; an uncertain answer is settled by
    /// reading the job back); on a conflict or a rejection, says why.
    @discardableResult
    func create(_ body: JSON) throws -> JSON {
        let name = body["metadata"]?["name"]?.string ?? "?"
        let r = call.k8sCreate(.create(.trainJobs, namespace: namespace, body: body))
        if let note = r.note { call.log(note, level: .warning) }
        if r.ok { return r.body }
        if r.status == 409 {
            throw ToolError("A TrainJob named \(name) already exists in namespace \(namespace); choose another name or delete it first.",
                            field: "name")
        }
        throw Self.failure(r, doing: "create TrainJob \(name)")
    }

    static func failure(_ r: K8sResponse, doing what: String) -> ToolError {
        ToolError("Could not \(what): \(r.errorMessage ?? "Kubernetes answered HTTP \(r.status).")",
                  details: ["status": .int(r.status), "reason": r.errorReason.map { .string($0) } ?? .null])
    }
}

/// One TrainJob as get_training_job shows it.
struct JobDetails {
    var object: JSON
    var runtime: RuntimeInfo?
    var pods: [JSON]
    var steps: [JobStep]
    var numNodes: Int
    /// What the tools show (JobStatus.status) and what the SDK would say.
    var status: String
    var sdkStatus: String
}
