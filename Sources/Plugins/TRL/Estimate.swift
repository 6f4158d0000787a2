import MemoryKit
import PluginKit

/// The trl backend's `estimate` operation: the planner's memory model on TRL's
/// declared profile. An accelerate profile that shards parameters (zero3,
/// fsdp1, fsdp2) replaces the default DDP, as it does in the job.
func estimateTRL(_ arguments: JSON) throws -> JSON {
    var capabilities = trlBackend.capabilities
    let options = try TRLOptions(arguments["backend_options"])
    if let config = options.accelerateConfig, shardingAccelerateConfigs.contains(config) {
        capabilities["memory_profile"]?["sharding"] = .string(config == "zero3" ? "zero3" : "fsdp")
        capabilities["shards_parameters"] = true
    } else if options.accelerateConfig == "zero2" {
        capabilities["memory_profile"]?["sharding"] = "zero2"
    }
    if let config = options.accelerateConfig, ["zero1", "zero2", "zero3"].contains(config) {
        // DeepSpeed's mixed-precision optimizer keeps an fp32 master copy of what it trains and
        // fp32 Adam moments: 12 bytes per trained parameter, sharded by ZeRO (Rajbhandari et
        // al., "ZeRO", arXiv:1910.02054 §3.1).
        capabilities["memory_profile"]?["master_weights_fp32"] = true
        capabilities["memory_profile"]?["optimizer_state_dtype"] = "fp32"
    }
    // trl dpo: chosen and rejected completions per example, and a reference model.
    var arguments = arguments
    if arguments["objective"] == nil, options.trainerType == .dpo { arguments["objective"] = "dpo" }
    return try BackendEstimate.run(arguments, backendID: "trl", capabilities: capabilities)
}
