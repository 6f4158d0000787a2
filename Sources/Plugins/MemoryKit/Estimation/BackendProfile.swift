import PluginKit

/// What the memory model needs to know about a fine-tuning backend, read from
/// the capabilities it declares (list_backends). The planner names no backend:
/// any backend plugin dropped in later is planned for from these keys alone.
///
/// Capability keys read (all optional):
/// - `memory_profile` (object): how the trainer spends GPU memory; see MemoryProfile.
/// - `memory_factor` (number, default 1.0): scales activation memory, where
///   kernels (fused attention, fused loss, compilation) differ between backends.
/// - `offloads_activation_checkpoints` (bool) and `shards_parameters` (bool):
///   older spellings of memory_profile's activation_offloading and sharding.
/// - `methods` ([string]): the fine-tuning methods the backend supports.
/// - `runtime_selector.framework` (string): the runtime label value it needs.
/// - `admission_rules` (object): what the cluster's admission webhook rejects
///   for the backend's runtimes; read by the planner (AdmissionRules).
public struct BackendProfile: Sendable, Equatable {
    public var id: String?
    public var memoryFactor: Double
    public var memory: MemoryProfile
    /// The profile on one GPU, where a stack runs other recipes (memory_profile.single_device).
    public var singleDeviceMemory: MemoryProfile
    public var methods: [String]?
    public var framework: String?
    /// The capabilities it was read from (the planner reads more of them: admission_rules).
    public var capabilities: JSON

    /// No backend chosen (custom trainers, containers): plain PyTorch with
    /// Hugging Face's Trainer and PEFT, the most common custom code.
    public static let generic = BackendProfile(backend: [:])

    public var shardsParameters: Bool { memory.shardsParameters }

    /// The profile for a layout.
    public func memory(gpus: Int) -> MemoryProfile { gpus == 1 ? singleDeviceMemory : memory }
    public var offloadsActivationCheckpoints: Bool { memory.activationOffloading }

    /// A profile from one list_backends entry ({id, capabilities, ...}) or a bare capabilities object.
    public init(backend: JSON) {
        let caps = backend["capabilities"] ?? backend
        id = backend["id"]?.string
        let factor = caps["memory_factor"]?.double ?? 1.0
        memoryFactor = factor > 0 ? factor : 1.0
        memory = MemoryProfile(capabilities: caps)
        if let single = caps["memory_profile"]?["single_device"]?.object, var merged = caps["memory_profile"]?.object {
            for (key, value) in single { merged[key] = value }
            var singleCaps = caps
            singleCaps["memory_profile"] = .object(merged)
            singleDeviceMemory = MemoryProfile(capabilities: singleCaps)
        } else {
            singleDeviceMemory = memory
        }
        methods = caps["methods"]?.array?.compactMap(\.string)
        framework = caps["runtime_selector"]?["framework"]?.string
        capabilities = caps
    }

    /// The loaded backend with this id, or an error listing the loaded ones.
    public static func find(_ id: String, in backends: [JSON]) throws -> BackendProfile {
        guard let entry = backends.first(where: { $0["id"]?.string == id }) else {
            let loaded = backends.compactMap { $0["id"]?.string }
            throw ToolError("No fine-tuning backend \(id) is loaded; loaded backends: \(loaded.isEmpty ? "none" : loaded.joined(separator: ", ")).",
                            field: "backend")
        }
        return BackendProfile(backend: entry)
    }
}
