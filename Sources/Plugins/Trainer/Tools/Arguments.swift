import PluginKit
import TrainerRules

/// Typed reads of the argument shapes the Trainer tools share, with errors
/// that name the field.
extension ToolCall {
    func stringList(_ name: String) throws -> [String]? {
        guard let v = arguments[name], !v.isNull else { return nil }
        guard let items = v.array, items.allSatisfy({ $0.string != nil }) else {
            throw ToolError("Argument \(name) must be a list of strings.", field: name)
        }
        return items.compactMap(\.string)
    }

    /// A string→string map, sorted by key (JSON objects carry no order).
    func stringMap(_ name: String) throws -> [(String, String)] {
        guard let v = arguments[name], !v.isNull else { return [] }
        guard let o = v.object else { throw ToolError("Argument \(name) must be an object of strings.", field: name) }
        return try o.keys.sorted().map { key in
            switch o[key]! {
            case .string(let s): return (key, s)
            case .int(let i): return (key, String(i))
            case .bool(let b): return (key, b ? "true" : "false")
            default: throw ToolError("Argument \(name).\(key) must be a string.", field: name)
            }
        }
    }

    func object(_ name: String) throws -> [String: JSON]? {
        guard let v = arguments[name], !v.isNull else { return nil }
        guard let o = v.object else { throw ToolError("Argument \(name) must be an object.", field: name) }
        return o
    }

    func positiveInt(_ name: String) throws -> Int? {
        guard let i = try optionalInt(name) else { return nil }
        guard i >= 1 else { throw ToolError("Argument \(name) must be at least 1; got \(i).", field: name) }
        return i
    }

    /// resources_per_node plus the gpus_per_node shortcut, in the SDK's K8s form.
    func resourcesPerNode() throws -> JSON? {
        let resources = try userResources()
        // Not `cond ? nil : json`: there the nil literal would become JSON.null, a value.
        guard !resources.isEmpty else { return nil }
        return try ResourcesPerNode.build(resources)
    }

    /// resources_per_node as the user wrote it ({"gpu": 4, "memory": "64Gi"}),
    /// with the gpus_per_node shortcut folded in.
    func userResources() throws -> [String: JSON] {
        var resources = try object("resources_per_node") ?? [:]
        if let gpus = try positiveInt("gpus_per_node") {
            if resources.keys.contains(where: { ["gpu", "nvidia.com/gpu"].contains($0.lowercased()) }) {
                throw ToolError("Give the GPU count once: either gpus_per_node or a gpu entry in resources_per_node.",
                                field: "gpus_per_node")
            }
            resources["gpu"] = .int(gpus)
        }
        return resources
    }

    /// The planner's pre-flight for a job about to be created (see Preflight).
    func preflight(trainerType: String, runtime: String, namespace: String, model: String? = nil,
                   dataset: String? = nil, method: String? = nil, backend: String? = nil,
                   hfTokenSecret: String? = nil, skip: Set<String> = [], plannedGPUs: Int? = nil) throws -> [String] {
        // What the job will get: the user's resources, else the GPUs the tool chose for it (a backend's
        // recipe rule, e.g. torchtune's QLoRA on one GPU), so the checks judge the job that is sent.
        let resources = try userResources()
        let checked: JSON? = resources.isEmpty ? plannedGPUs.map { ["gpu": .int($0)] } : .object(resources)
        var request = Preflight.request(trainerType: trainerType, model: model, dataset: dataset, runtime: runtime,
                                        namespace: namespace, resources: checked,
                                        numNodes: try positiveInt("num_nodes"), method: method, backend: backend)
        if let hfTokenSecret { request["hf_token_secret"] = .string(hfTokenSecret) }
        return try Preflight.run(self, request, skip: skip)
    }
}

/// Name, labels, annotations, deadline and pod options (RuntimePatch): the
/// SDK's options every creating tool takes.
struct JobOptions {
    var name: String?
    var labels: [String: String]
    var annotations: [String: String]
    var activeDeadlineSeconds: Int?
    var dryRun: Bool
    var pod: PodOptions

    init(_ call: ToolCall) throws {
        name = try call.optionalString("name")
        if let name, !JobName.isValid(name) {
            throw ToolError("name \(name) is not a valid TrainJob name: use lower-case letters, digits and '-', start with a letter, at most 63 characters.",
                            field: "name")
        }
        labels = Dictionary(uniqueKeysWithValues: try call.stringMap("labels"))
        annotations = Dictionary(uniqueKeysWithValues: try call.stringMap("annotations"))
        activeDeadlineSeconds = try call.positiveInt("active_deadline_seconds")
        dryRun = try call.optionalBool("dry_run") ?? false
        pod = try PodOptions(call)
    }

    static let schema: [String: JSON] = [
        "name": Schema.name("TrainJob name; default <prefix>-<model or function>-<5 random characters>.", for: .trainJobs),
        "namespace": Schema.namespace,
        "labels": Schema.map("Labels for the TrainJob.", values: ["type": "string"]),
        "annotations": Schema.map("Annotations for the TrainJob.", values: ["type": "string"]),
        "active_deadline_seconds": Schema.integer("Stop the job after this many seconds.", minimum: 1),
        "dry_run": Schema.boolean("Build and return the TrainJob without creating it.", default: false),
    ].merging(PodOptions.schema) { a, _ in a }

    func apply(to body: inout TrainJobBody) {
        body.labels = labels
        body.annotations = annotations
        body.activeDeadlineSeconds = activeDeadlineSeconds
        body.runtimePatches = pod.runtimePatch.map { [$0] } ?? []
    }
}

/// The answer every creating tool gives, as its output schema declares it
/// (a dry run adds the TrainJob; each tool adds its own keys).
let creationSchema = Schema.result(
    always: ["job_id": Schema.of("string"), "namespace": Schema.of("string"), "created": Schema.of("boolean")],
    sometimes: ["trainjob": Schema.of("object"), "runtime": Schema.of("string"), "notes": Schema.list()])

/// The answer every creating tool gives.
func creationOutput(_ body: JSON, runtime: RuntimeInfo, namespace: String, dryRun: Bool, extra: JSON = [:]) -> ToolOutput {
    let name = body["metadata"]?["name"]?.string ?? ""
    var result: JSON = ["job_id": .string(name), "namespace": .string(namespace), "created": .bool(!dryRun)]
    for (k, v) in extra.object ?? [:] { result[k] = v }
    if dryRun { result["trainjob"] = body }
    let text = dryRun ? "Dry run: TrainJob \(name) was built, not created."
        : "Created TrainJob \(name) in \(namespace). Follow it with get_training_progress or wait_for_completion."
    return ToolOutput(result, text: text, summary: dryRunSummary(body, runtime: runtime))
}

/// The line a person confirms before a TrainJob is created (the host shows it):
/// the nodes and GPUs the job will really get, the runtime's where the job sets none.
func dryRunSummary(_ body: JSON, runtime: RuntimeInfo) -> String {
    let trainer = body["spec"]?["trainer"]
    let nodes = trainer?["numNodes"]?.int ?? runtime.numNodes
    let name = body["metadata"]?["name"]?.string ?? ""
    let head = "TrainJob \(name) on runtime \(runtime.name): \(nodes) node(s)"
    // A job's resourcesPerNode replaces the trainer container's resources.
    let own = trainer?["resourcesPerNode"].flatMap { $0.object?.isEmpty == false ? $0 : nil }
    let gpus = GPUCount.perNode(own ?? runtime.trainerResources)
    let whose = own == nil ? " (the runtime's resources)" : ""
    return gpus > 0 ? "\(head) × \(gpus) GPU\(whose)" : "\(head), no GPU\(whose)"
}
