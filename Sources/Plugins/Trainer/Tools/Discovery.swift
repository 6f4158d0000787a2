import PluginKit

/// Cluster facts, jobs and runtimes: all read-only.
enum DiscoveryTools {
    static var all: [ToolDefinition] {
        [getClusterInfo, getClusterResources, listTrainingJobs, getTrainingJob, listTrainingRuntimes,
         getRuntimeSpec, getJobSpec]
    }

    static let namespaceOnly = Schema.object(["namespace": Schema.namespace])

    // MARK: get_cluster_info

    static let getClusterInfo = ToolDefinition(
        name: "get_cluster_info", title: "Cluster connection",
        description: "Whether the Kubernetes API answers, its version, whether Kubeflow Trainer is installed and which version, and the current namespace and identity.",
        category: "discovery", risk: .readOnly, idempotent: true,
        input: Schema.object(["doctor": doctorFlag])
    ) { call in
        let context = call.context()
        let version = call.k8s(.nonResource("/version"))
        var result: JSON = ["reachable": .bool(version.ok || version.status != 0),
                            "namespace": context["namespace"] ?? .null, "user": context["user"] ?? .null]
        if version.ok { result["server_version"] = version.body["gitVersion"] ?? .null }
        else if version.status == 0 { result["error"] = .string(version.errorMessage ?? "The API server did not answer.") }
        let crds = call.k8s(TrainerAPI.discovery)
        let resources = (crds.body["resources"]?.array ?? []).compactMap { $0["name"]?.string }.filter { !$0.contains("/") }
        result["trainer_installed"] = .bool(crds.ok && resources.contains("trainjobs"))
        result["trainer_resources"] = .array(resources.sorted().map { .string($0) })
        let configMap = call.k8s(TrainerAPI.publicConfigMap)
        result["trainer_version"] = configMap.ok ? configMap.body["data"]?["kubeflow_trainer_version"] ?? .null : .null
        if try call.optionalBool("doctor") == true {
            result["checks"] = .array(doctorChecks(call, crds: crds, resources: resources, configMap: configMap,
                                                   namespace: context["namespace"]?.string ?? "default"))
        }
        let text = version.ok
            ? "Kubernetes \(result["server_version"]?.string ?? "?"); Trainer \(result["trainer_installed"]?.bool == true ? "installed (\(result["trainer_version"]?.string ?? "version unknown"))" : "not installed"); namespace \(context["namespace"]?.string ?? "default")."
            : "The Kubernetes API is not reachable: \(version.errorMessage ?? "no answer")."
        return ToolOutput(result, text: text)
    }

    /// `kubeflow-mcp doctor` sets it (the "x-kfmcp-doctor" convention in the header)
    /// to read what Trainer needs from the cluster as checks, one line each.
    static let doctorFlag: JSON = {
        var flag = Schema.boolean("Also report, as `checks`, whether the Trainer CRDs and version are present and whether you may create, list and delete TrainJobs here (three more API requests).")
        flag["x-kfmcp-doctor"] = true
        return flag
    }()

    /// What Trainer needs: its CRDs, its version ConfigMap, and TrainJob rights in the namespace.
    static func doctorChecks(_ call: ToolCall, crds: K8sResponse, resources: [String], configMap: K8sResponse,
                             namespace: String) -> [JSON] {
        func check(_ ok: Bool, _ text: String) -> JSON { ["ok": .bool(ok), "text": .string(text)] }
        let needed = ["trainjobs", "trainingruntimes", "clustertrainingruntimes"]
        var checks = [check(crds.ok && needed.allSatisfy(resources.contains),
                            crds.ok ? "Kubeflow Trainer CRDs: \(needed.filter(resources.contains).joined(separator: ", "))"
                                    : "Kubeflow Trainer CRDs not installed (\(crds.errorMessage ?? "HTTP \(crds.status)"))")]
        let trainerVersion = configMap.body["data"]?["kubeflow_trainer_version"]?.string
        checks.append(check(trainerVersion != nil,
                            "Kubeflow Trainer version: \(trainerVersion ?? "unknown (\(configMap.errorMessage ?? "no kubeflow-trainer-public ConfigMap"))")"))
        for verb in ["create", "list", "delete"] {
            let review: JSON = ["apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                                "spec": ["resourceAttributes": ["group": "trainer.kubeflow.org", "resource": "trainjobs",
                                                                "verb": .string(verb), "namespace": .string(namespace)]]]
            let answer = call.k8s(.create(.selfSubjectAccessReviews, body: review))
            let allowed = answer.body["status"]?["allowed"]?.bool
            checks.append(check(allowed ?? false,
                                "may \(verb) trainjobs in \(namespace): \(allowed.map { $0 ? "yes" : "no" } ?? (answer.errorMessage ?? "unknown"))"))
        }
        return checks
    }

    // MARK: get_cluster_resources

    static let getClusterResources = ToolDefinition(
        name: "get_cluster_resources", title: "GPU capacity",
        description: "Per node: GPU model, GPUs in capacity, allocatable, requested by running/pending pods, and free; plus totals. Two API requests however large the cluster (under a namespace allowlist: pods of the allowed namespaces only).",
        category: "discovery", risk: .readOnly, idempotent: true, input: Schema.object([:])
    ) { call in
        let nodes = try call.k8sJSON(.list(.nodes))["items"]?.array ?? []
        // All namespaces, or each one a namespace allowlist permits.
        let pods = try call.listEverywhere(.pods, query: ["fieldSelector": "status.phase!=Succeeded,status.phase!=Failed"])
        let report = GPUReport(nodes: nodes, pods: pods)
        return ToolOutput(report.json, text: report.summary)
    }

    // MARK: list_training_jobs

    static let listTrainingJobs = ToolDefinition(
        name: "list_training_jobs", title: "List training jobs",
        description: "TrainJobs in a namespace, compact: name, status (the Kubeflow SDK's, plus Suspended, and Running after a resume), runtime, nodes, GPUs, age, progress when reported. Filters by status, runtime, label selector; pages with limit/continue.",
        category: "discovery", risk: .readOnly, idempotent: true,
        input: Schema.object([
            "namespace": Schema.namespace,
            "status": Schema.string("Only jobs with this status.", enum: ["Created", "Running", "Suspended", "Complete", "Failed"]),
            "runtime": Schema.name("Only jobs using this runtime.", for: .trainingRuntimes),
            "label": Schema.string("Label selector, e.g. team=nlp."),
            "limit": Schema.integer("Page size.", minimum: 1, maximum: 500),
            "continue": Schema.string("Token from the previous page."),
        ])
    ) { call in
        let api = try TrainerAPI(call)
        var query: [String: String] = [:]
        if let label = try call.optionalString("label") { query["labelSelector"] = label }
        if let limit = try call.positiveInt("limit") { query["limit"] = String(limit) }
        if let token = try call.optionalString("continue") { query["continue"] = token }
        let list = try call.k8sJSON(.list(.trainJobs, namespace: api.namespace, query: query))
        let jobs = list["items"]?.array ?? []
        // One pods request for all jobs, grouped by the JobSet name label.
        let pods = jobs.isEmpty ? [] : try call.k8sJSON(.list(.pods, namespace: api.namespace,
                                                               query: ["labelSelector": JobSteps.jobsetNameLabel]))["items"]?.array ?? []
        // Runtimes only when a job's node count must come from its runtime (constant: two more requests at most).
        let needRuntimes = jobs.contains { $0["spec"]?["trainer"]?["numNodes"]?.int == nil }
        let runtimes = needRuntimes ? ((try? api.runtimes()) ?? []) : []
        let summaries = JobSummary.build(jobs: jobs, pods: pods, runtimes: runtimes, now: currentTime())
        let statusFilter = try call.optionalString("status")
        let runtimeFilter = try call.optionalString("runtime")
        let kept = summaries.filter {
            (statusFilter == nil || $0["status"]?.string == statusFilter)
                && (runtimeFilter == nil || $0["runtime"]?.string == runtimeFilter)
        }
        var result: JSON = ["namespace": .string(api.namespace), "jobs": .array(kept), "count": .int(kept.count)]
        if let token = list["metadata"]?["continue"]?.string, !token.isEmpty { result["continue"] = .string(token) }
        let text = kept.isEmpty ? "No TrainJobs in \(api.namespace) match." : kept.map {
            "\($0["name"]?.string ?? "?") \($0["status"]?.string ?? "?")\($0["progress"]?.string.map { " \($0)" } ?? "")"
        }.joined(separator: "\n")
        return ToolOutput(result, text: text)
    }

    // MARK: get_training_job

    static let getTrainingJob = ToolDefinition(
        name: "get_training_job", title: "Training job details",
        description: "One TrainJob: status (the Kubeflow SDK's, plus Suspended, and Running after a resume; sdk_status is the SDK's own), steps (initializers and nodes from pods), conditions, trainerStatus.",
        category: "discovery", risk: .readOnly, idempotent: true, input: LifecycleTools.jobInput
    ) { call in
        let api = try TrainerAPI(call)
        let details = try api.jobDetails(try call.string("job_id"))
        let job = details.object
        var result: JSON = [
            "name": job["metadata"]?["name"] ?? .null, "namespace": .string(api.namespace),
            "status": .string(details.status), "sdk_status": .string(details.sdkStatus),
            "suspended": .bool(JobStatus.isSuspended(job)),
            "runtime": job["spec"]?["runtimeRef"]?["name"] ?? .null, "num_nodes": .int(details.numNodes),
            "creation_timestamp": job["metadata"]?["creationTimestamp"] ?? .null,
            "steps": .array(details.steps.map(\.json)),
            "conditions": job["status"]?["conditions"] ?? [],
        ]
        if let ts = job["status"]?["trainerStatus"] { result["trainer_status"] = ts }
        if let p = job["status"]?["trainerStatus"].flatMap(TrainingProgress.fromTrainerStatus) {
            result["progress"] = .string(p.bar)
        }
        // What keeps it from running: stuck pods, or (no pods at all) the Jobs' FailedCreate events.
        var problems: [JSON] = details.steps.compactMap { step in
            step.reason.map { ["step": .string(step.name), "reason": .string($0), "message": .string(step.message ?? "")] }
        }
        if details.steps.isEmpty && !["Complete", "Failed"].contains(details.status) {
            let jobName = job["metadata"]?["name"]?.string ?? ""
            let events = (try? call.k8sJSON(.list(.events, namespace: api.namespace)))?["items"]?.array ?? []
            problems += JobEvents.filter(events, job: jobName, podNames: [])
                .filter { $0["type"]?.string == "Warning" && $0["involved_object_kind"]?.string == "Job" }
                .map { ["step": $0["involved_object_name"] ?? "", "reason": $0["reason"] ?? "", "message": $0["message"] ?? ""] }
        }
        if !problems.isEmpty { result["problems"] = .array(problems) }
        let why = problems.first.map { "; \($0["step"]?.string ?? ""): \($0["reason"]?.string ?? "") (\($0["message"]?.string ?? ""))" } ?? ""
        return ToolOutput(result, text: "TrainJob \(job["metadata"]?["name"]?.string ?? "") is \(details.status); \(details.steps.count) step(s)\(why).")
    }

    // MARK: runtimes

    static let listTrainingRuntimes = ToolDefinition(
        name: "list_training_runtimes", title: "List training runtimes",
        description: "ClusterTrainingRuntimes and the namespace's TrainingRuntimes (a namespaced one wins a name clash; runtimes without the trainer.kubeflow.org/framework label are skipped), as the Kubeflow SDK lists them.",
        category: "discovery", risk: .readOnly, idempotent: true, input: namespaceOnly
    ) { call in
        let api = try TrainerAPI(call)
        let runtimes = try api.runtimes()
        return ToolOutput(["runtimes": .array(runtimes.map(\.summary)), "count": .int(runtimes.count)],
                          text: runtimes.map { "\($0.name) (\($0.framework), \($0.trainerType))" }.joined(separator: "\n"))
    }

    static let getRuntimeSpec = ToolDefinition(
        name: "get_runtime_spec", title: "Runtime manifest",
        description: "The full runtime object (namespaced TrainingRuntime first, else ClusterTrainingRuntime) as JSON and YAML.",
        category: "discovery", risk: .readOnly, idempotent: true,
        input: Schema.object(["name": Schema.name("Runtime name.", for: .trainingRuntimes),
                              "namespace": Schema.namespace],
                             required: ["name"])
    ) { call in
        let api = try TrainerAPI(call)
        let object = withoutManagedFields(try api.runtimeObject(try call.string("name"), field: "name"))
        return ToolOutput(["object": object, "yaml": .string(YAML.render(object))], text: YAML.render(object))
    }

    static let getJobSpec = ToolDefinition(
        name: "get_job_spec", title: "TrainJob manifest",
        description: "The full TrainJob object as JSON and YAML (managedFields dropped).",
        category: "discovery", risk: .readOnly, idempotent: true, input: LifecycleTools.jobInput
    ) { call in
        let api = try TrainerAPI(call)
        let object = withoutManagedFields(try api.trainJob(try call.string("job_id")))
        return ToolOutput(["object": object, "yaml": .string(YAML.render(object))], text: YAML.render(object))
    }

    static func withoutManagedFields(_ object: JSON) -> JSON {
        var copy = object
        copy["metadata"]?["managedFields"] = nil
        return copy
    }
}
