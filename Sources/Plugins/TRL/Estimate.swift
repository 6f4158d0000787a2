import MemoryKit
import PluginKit

/// The trl backend's `estimate` operation: the planner's memory model on TRL's
/// declared profile. An accelerate profile that shards parameters (zero3,
/// fsdp1, fsdp2) replaces the default DDP, as it does in the job.
func estimateTRL(_ arguments: JSON) throws -> JSON {
    var capabilities = trlBackend.capabilities
    if let config = try TRLOptions(arguments["backend_options"]).accelerateConfig, shardingAccelerateConfigs.contains(config) {
        capabilities["memory_profile"]?["sharding"] = .string(config == "zero3" ? "zero3" : "fsdp")
        capabilities["shards_parameters"] = true
    }
    return try BackendEstimate.run(arguments, backendID: "trl", capabilities: capabilities)
}
