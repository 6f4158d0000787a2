import MemoryKit
import PluginKit

/// check_prerequisites: can this job start in this cluster now? Each check
/// reads the cluster through a ClusterReader (the host's client in the
/// plugin, canned answers in tests) and names the fix for what it finds.
public struct Prerequisites: Sendable {
    /// What the user plans to run.
    public struct Request: Sendable {
        public var model: String?
        public var dataset: String?
        public var runtime: String?
        public var namespace: String
        public var numNodes: Int
        /// GPUs per node from resources_per_node; nil when not given.
        public var gpusPerNode: Int?
        /// The per-GPU memory the job needs, when it could be estimated.
        public var perGPUBytes: Double?
        /// The framework label the runtime must carry (from the backend), if any.
        public var framework: String?
        /// The runtime the backend may also run on without that label
        /// (capabilities runtime_selector.fallback_runtime, e.g. a generic torch runtime).
        public var fallbackRuntime: String?
        public var backendID: String?
        public var trainerType: EstimateInput.TrainerType
        /// Framework labels of all loaded backends (a custom trainer must not use those runtimes).
        public var builtinFrameworks: [String]
        /// The Secret the model's token is to come from, when the call names one.
        public var hfTokenSecret: String? = nil

        public init(model: String? = nil, dataset: String? = nil, runtime: String? = nil, namespace: String,
                    numNodes: Int = 1, gpusPerNode: Int? = nil, perGPUBytes: Double? = nil, framework: String? = nil,
                    backendID: String? = nil, trainerType: EstimateInput.TrainerType = .builtin,
                    builtinFrameworks: [String] = [], fallbackRuntime: String? = nil) {
            self.fallbackRuntime = fallbackRuntime
            self.model = model
            self.dataset = dataset
            self.runtime = runtime
            self.namespace = namespace
            self.numNodes = numNodes
            self.gpusPerNode = gpusPerNode
            self.perGPUBytes = perGPUBytes
            self.framework = framework
            self.backendID = backendID
            self.trainerType = trainerType
            self.builtinFrameworks = builtinFrameworks
        }
    }

    public struct Issue: Sendable, Equatable {
        public var check: String
        public var severity: ConfigIssue.Severity
        public var message: String
        /// What to do about it ("call setup_hf_credentials ...").
        public var fix: String
    }

    public struct Report: Sendable {
        public var issues: [Issue]
        /// Each check and its outcome: ok, failed, warning, skipped.
        public var checks: [(name: String, status: String, detail: String)]
        public var trainerVersion: String?
        public var ready: Bool { !issues.contains { $0.severity == .error } }

        public var actionsNeeded: [String] {
            var seen = Set<String>()
            return issues.filter { $0.severity == .error }.map(\.fix).filter { seen.insert($0).inserted }
        }

        public var json: JSON {
            [
                "ready": .bool(ready),
                "issues": .array(issues.map { ["check": .string($0.check), "severity": .string($0.severity.rawValue),
                                               "message": .string($0.message), "fix": .string($0.fix)] }),
                "actions_needed": .array(actionsNeeded.map { .string($0) }),
                "checks": .array(checks.map { ["name": .string($0.name), "status": .string($0.status), "detail": .string($0.detail)] }),
                "trainer_version": trainerVersion.map { .string($0) } ?? .null,
            ]
        }
    }

    public static let hfTokenSecret = "hf-token"
    /// The key setup_hf_credentials stores the token under.
    public static let hfTokenKey = "token"
    static let frameworkLabel = "trainer.kubeflow.org/framework"

    let cluster: ClusterReader
    let registry: ModelRegistry

    public init(cluster: ClusterReader, registry: ModelRegistry = .shared) {
        self.cluster = cluster
        self.registry = registry
    }

    /// Runs every check. `allowedNamespaces` is the host policy's list (nil = all).
    public func run(_ r: Request, allowedNamespaces: [String]?) -> Report {
        var report = Report(issues: [], checks: [], trainerVersion: nil)
        func pass(_ name: String, _ detail: String) { report.checks.append((name, "ok", detail)) }
        func skip(_ name: String, _ detail: String) { report.checks.append((name, "skipped", detail)) }
        func fail(_ name: String, _ message: String, fix: String, warning: Bool = false) {
            report.issues.append(Issue(check: name, severity: warning ? .warning : .error, message: message, fix: fix))
            report.checks.append((name, warning ? "warning" : "failed", message))
        }

        // Offline checks first: they hold even when the cluster is down.
        checkURIs(r, pass: pass, fail: fail)
        if let allowed = allowedNamespaces, !allowed.contains(r.namespace) {
            fail("namespace_policy", "Namespace \(r.namespace) is not allowed by the server's policy (allowed: \(allowed.joined(separator: ", "))).",
                 fix: "Use one of the allowed namespaces: \(allowed.joined(separator: ", ")).")
            return report
        }
        pass("namespace_policy", allowedNamespaces == nil ? "All namespaces allowed." : "Namespace \(r.namespace) is allowed.")

        // The Trainer API: without it nothing else matters.
        let api = cluster.send(KubeRequests.trainerAPI)
        if api.unreachable {
            fail("cluster", "The cluster did not answer: \(api.errorMessage ?? "no response").",
                 fix: "Check the kubeconfig context and that the API server is reachable (get_cluster_info).")
            return report
        }
        if api.notFound {
            fail("trainer_crds", "Kubeflow Trainer is not installed: the API group trainer.kubeflow.org/v1alpha1 is missing.",
                 fix: "Install Kubeflow Trainer v2 (kubectl apply --server-side -k \"https://github.com/kubeflow/trainer.git/manifests/overlays/manager?ref=v2.3.0\").")
            return report
        }
        if !api.ok && !api.forbidden {
            fail("trainer_crds", "Could not read the Trainer API (\(api.errorMessage ?? "HTTP \(api.status)")).",
                 fix: "Check the cluster's API server and your access to trainer.kubeflow.org.")
        } else {
            pass("trainer_crds", "trainer.kubeflow.org/v1alpha1 is served.")
        }
        let version = cluster.send(KubeRequests.trainerPublicConfigMap)
        if let v = version.body["data"]?["kubeflow_trainer_version"]?.string, version.ok {
            report.trainerVersion = v
            pass("trainer_version", "Kubeflow Trainer \(v).")
        } else {
            fail("trainer_version", "The Trainer version is unknown: ConfigMap kubeflow-system/kubeflow-trainer-public is not readable (\(version.errorMessage ?? "HTTP \(version.status)")).",
                 fix: "Nothing required; the version check of the SDK also only warns.", warning: true)
        }

        checkRuntime(r, pass: pass, skip: skip, fail: fail)
        checkGPUs(r, pass: pass, skip: skip, fail: fail)
        checkQuota(r, pass: pass, skip: skip, fail: fail)
        checkAccess(r, pass: pass, fail: fail)
        checkHFToken(r, pass: pass, skip: skip, fail: fail)
        return report
    }

    typealias Pass = (String, String) -> Void
    typealias Fail = (String, String, String, Bool) -> Void

    private func checkURIs(_ r: Request, pass: Pass, fail: (String, String, String, Bool) -> Void) {
        for (field, value) in [("model", r.model), ("dataset", r.dataset)] {
            guard let value else { continue }
            switch StorageURI.parse(value, field: field) {
            case .success: pass("\(field)_uri", "\(value) is well formed.")
            case .failure(let issue): fail("\(field)_uri", issue.message, "Write \(field) as hf://org/name, s3://bucket/key or pvc://claim/path.", false)
            }
        }
    }

    private func checkRuntime(_ r: Request, pass: Pass, skip: Pass, fail: Fail) {
        guard let name = r.runtime else { return skip("runtime", "No runtime given.") }
        // Namespaced first, then cluster-wide, as the SDK's get_runtime.
        var answer = cluster.send(KubeRequests.trainingRuntime(r.namespace, name))
        var kind = "TrainingRuntime"
        if answer.notFound || answer.forbidden {
            answer = cluster.send(KubeRequests.clusterTrainingRuntime(name))
            kind = "ClusterTrainingRuntime"
        }
        guard answer.ok else {
            if answer.notFound {
                return fail("runtime", "Runtime \(name) exists neither in namespace \(r.namespace) nor cluster-wide.",
                            "Pick a runtime from list_training_runtimes.", false)
            }
            return fail("runtime", "Could not read runtime \(name) (\(answer.errorMessage ?? "HTTP \(answer.status)")).",
                        "Check your access to trainingruntimes and clustertrainingruntimes.", false)
        }
        let framework = answer.body["metadata"]?["labels"]?[Self.frameworkLabel]?.string
        if let wanted = r.framework, framework != wanted, name != r.fallbackRuntime {
            return fail("runtime", "Runtime \(name) is labelled \(Self.frameworkLabel)=\(framework ?? "(none)"); backend \(r.backendID ?? "") needs \(wanted).",
                        "Pick a \(wanted) runtime from list_training_runtimes.", false)
        }
        if r.trainerType != .builtin, let framework, r.builtinFrameworks.contains(framework) {
            return fail("runtime", "Runtime \(name) runs the \(framework) built-in trainer; a \(r.trainerType.rawValue) trainer needs a custom runtime.",
                        "Use a runtime such as torch-distributed.", false)
        }
        pass("runtime", "\(kind) \(name) found (framework \(framework ?? "none")).")
    }

    private func checkGPUs(_ r: Request, pass: Pass, skip: Pass, fail: Fail) {
        let perNode = r.gpusPerNode ?? 1
        let (inventory, problem) = GPUInventory.read(cluster)
        guard let inventory else {
            return fail("gpus", problem ?? "Could not read the nodes.", "Ask for read access to nodes, or check the GPUs by hand.", true)
        }
        if let problem { fail("gpus_in_use", problem, "Free GPUs may be fewer than reported.", true) }
        let fits: (GPUType) -> Bool = { gpu in r.perGPUBytes.map { GPUCatalog.fits($0, on: gpu) } ?? true }
        if let product = inventory.placement(nodeCount: r.numNodes, perNode: perNode, fits: fits) {
            pass("gpus", "\(r.numNodes) node(s) with \(perNode) free \(product) GPU(s) each.")
        } else {
            let need = r.perGPUBytes.map { " with at least \(rounded(gib($0), 1)) GB each" } ?? ""
            fail("gpus", "Not enough free GPUs: the job needs \(r.numNodes) node(s) × \(perNode) GPU(s)\(need); free now: \(ResourcePlan.freeText(inventory)).",
                 "Wait for GPUs to free up, use fewer or smaller GPUs (estimate_resources shows what fits), or a smaller model/method.", false)
        }
    }

    private func checkQuota(_ r: Request, pass: Pass, skip: Pass, fail: Fail) {
        let need = r.numNodes * (r.gpusPerNode ?? 1)
        let answer = cluster.send(KubeRequests.resourceQuotas(r.namespace))
        guard answer.ok else {
            return fail("gpu_quota", "Could not read ResourceQuotas in \(r.namespace) (\(answer.errorMessage ?? "HTTP \(answer.status)")).",
                        "Ask an admin about the namespace's GPU quota.", true)
        }
        let key = "requests.nvidia.com/gpu"
        var limited = false
        for quota in answer.body["items"]?.array ?? [] {
            guard let hard = quota["spec"]?["hard"]?[key] ?? quota["status"]?["hard"]?[key] else { continue }
            limited = true
            let used = GPUInventory.quantity(quota["status"]?["used"]?[key])
            let headroom = GPUInventory.quantity(hard) - used
            let name = quota["metadata"]?["name"]?.string ?? "quota"
            if need > headroom {
                return fail("gpu_quota", "ResourceQuota \(name) in \(r.namespace) leaves \(max(headroom, 0)) GPU(s) (\(used) of \(GPUInventory.quantity(hard)) used); the job needs \(need).",
                            "Use at most \(max(headroom, 0)) GPU(s), wait for jobs in \(r.namespace) to finish, or ask an admin to raise \(name).", false)
            }
        }
        pass("gpu_quota", limited ? "GPU quota in \(r.namespace) leaves room for \(need) GPU(s)." : "No GPU quota in \(r.namespace).")
    }

    private func checkAccess(_ r: Request, pass: Pass, fail: Fail) {
        let review: JSON = [
            "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": ["resourceAttributes": ["namespace": .string(r.namespace), "verb": "create",
                                            "group": "trainer.kubeflow.org", "resource": "trainjobs"]],
        ]
        let answer = cluster.send(KubeRequests.accessReview(review))
        guard answer.ok else {
            return fail("permissions", "Could not ask the cluster whether you may create TrainJobs (\(answer.errorMessage ?? "HTTP \(answer.status)")).",
                        "Check with `kubectl auth can-i create trainjobs.trainer.kubeflow.org -n \(r.namespace)`.", true)
        }
        if answer.body["status"]?["allowed"]?.bool == true {
            pass("permissions", "You may create TrainJobs in \(r.namespace).")
        } else {
            fail("permissions", "You may not create TrainJobs in \(r.namespace)\(answer.body["status"]?["reason"]?.string.map { ": \($0)" } ?? ".")",
                 "Ask an admin for a Role allowing create on trainjobs.trainer.kubeflow.org in \(r.namespace), or use a namespace where you have it.", false)
        }
    }

    private func checkHFToken(_ r: Request, pass: Pass, skip: Pass, fail: Fail) {
        guard let model = r.model, case .success(let uri) = StorageURI.parse(model, field: "model"), uri.scheme == .hf else {
            return skip("hf_token", "The model is not on Hugging Face.")
        }
        // A Secret the call names must exist and hold the token, gated model or not.
        if let named = r.hfTokenSecret {
            return checkTokenSecret(named, r, model: uri.repository, named: true, pass: pass, fail: fail)
        }
        guard let spec = registry.find(uri.repository)?.model else {
            return fail("hf_token", "\(uri.repository) is not in the planner's registry, so whether it is gated is unknown.",
                        "If the model is gated, call setup_hf_credentials to create the \(Self.hfTokenSecret) Secret.", true)
        }
        guard spec.gated else { return pass("hf_token", "\(spec.id) is not gated; no token needed.") }
        checkTokenSecret(Self.hfTokenSecret, r, model: spec.id, named: false, pass: pass, fail: fail)
    }

    /// The Secret exists in the job's namespace and has the key "token".
    private func checkTokenSecret(_ name: String, _ r: Request, model: String, named: Bool, pass: Pass, fail: Fail) {
        let answer = cluster.send(KubeRequests.secret(r.namespace, name))
        let why = named ? "hf_token_secret names Secret \(name)" : "\(model) is gated"
        if answer.ok {
            guard answer.body["data"]?[Self.hfTokenKey] != nil else {
                return fail("hf_token", "\(why), but Secret \(name) in \(r.namespace) has no key \"\(Self.hfTokenKey)\".",
                            "Call setup_hf_credentials with secret_name \"\(name)\" and overwrite true to store the token under key \"\(Self.hfTokenKey)\", or name another Secret.", false)
            }
            pass("hf_token", "Secret \(name) in \(r.namespace) holds the token for \(model).")
        } else if answer.notFound {
            fail("hf_token", "\(why), and namespace \(r.namespace) has no Secret \(name).",
                 "Call setup_hf_credentials\(named ? " with secret_name \"\(name)\"" : "") and a Hugging Face token that has access to \(model) (request access on its model page first)\(named ? ", or pass the name of an existing Secret" : "").", false)
        } else {
            fail("hf_token", "Could not check Secret \(name) in \(r.namespace) (\(answer.errorMessage ?? "HTTP \(answer.status)")); \(why).",
                 "Make sure a Secret \(name) with the token exists (setup_hf_credentials).", true)
        }
    }

}
