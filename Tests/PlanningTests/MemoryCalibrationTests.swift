import Testing
@testable import PlanningPlugin

/// The memory model against published, measured peak GPU memory. Each case
/// records its source; the test prints the error per case and holds each
/// within ±15%.
///
/// Sources:
/// - [torchtune] pytorch/torchtune README, "Memory and training speed" (Llama 3.1
///   table: batch 2, dataset packed to 2048 tokens, torch.compile; configs
///   llama3_1/8B_lora_single_device, 8B_qlora_single_device, 70B_lora,
///   llama3_1/405B_qlora, all with activation checkpointing). Figures in GiB
///   (the 405B row is written "GB" and is taken as written).
///   https://github.com/pytorch/torchtune#memory-and-training-speed
/// - [unsloth] unslothai/unsloth README, context-length benchmarks: Llama 3.1 8B and
///   Llama 3.3 70B Instruct, 4-bit QLoRA on all linear layers, rank 32, batch 1,
///   sequences padded to the longest context that fits each GPU size.
///   The backend offloads activation checkpoints to CPU memory, declared as the
///   capability offloads_activation_checkpoints. GPU sizes taken as GiB.
///   https://github.com/unslothai/unsloth#-performance-benchmarking
///
/// Not used: figures without a stated batch/sequence (the Unsloth "requirements"
/// minimum-VRAM table), with paged/CPU-offloaded optimizers (torchtune's
/// single-device full fine-tunes and the 70B full fine-tune with CPU offload),
/// and the older torchtune Llama 2 table, measured on unpacked data whose real
/// sequence lengths are not given.
struct CalibrationCase: CustomTestStringConvertible, Sendable {
    var name: String
    var source: String
    var model: String
    var request: MemoryRequest
    var backend: BackendProfile
    var measuredGiB: Double
    var testDescription: String { name }
}

let torchtuneProfile = BackendProfile(backend: ["memory_factor": 1.0])
let offloadingProfile = BackendProfile(backend: ["memory_factor": 1.0, "offloads_activation_checkpoints": true])
let gbToGiB = 1e9 / 1_073_741_824.0

let calibrationCases: [CalibrationCase] = {
    let tt = "pytorch/torchtune README, Memory and training speed (Llama 3.1, bs 2, packed 2048, compile)"
    let us = "unslothai/unsloth README, context length benchmarks (QLoRA r32 all linear, bs 1)"
    let ttLoRA8B = LoRASettings(rank: 8, modules: [.q, .v, .o, .gate, .up, .down])
    let tt70B = LoRASettings(rank: 16, modules: [.q, .k, .v, .o])
    let usLoRA = LoRASettings(rank: 32, modules: LoRAModule.all)
    var cases = [
        CalibrationCase(name: "Llama 3.1 8B LoRA, 1x RTX 4090", source: tt, model: "meta-llama/Llama-3.1-8B",
                        request: MemoryRequest(method: .lora, batchSize: 2, seqLen: 2048, lora: ttLoRA8B),
                        backend: torchtuneProfile, measuredGiB: 16.2),
        CalibrationCase(name: "Llama 3.1 8B LoRA, 1x A6000 (activation checkpointing off)", source: tt, model: "meta-llama/Llama-3.1-8B",
                        request: MemoryRequest(method: .lora, batchSize: 2, seqLen: 2048, gradientCheckpointing: false, lora: ttLoRA8B),
                        backend: torchtuneProfile, measuredGiB: 30.3),
        CalibrationCase(name: "Llama 3.1 8B QLoRA, 1x RTX 4090", source: tt, model: "meta-llama/Llama-3.1-8B",
                        request: MemoryRequest(method: .qlora, batchSize: 2, seqLen: 2048, lora: ttLoRA8B),
                        backend: torchtuneProfile, measuredGiB: 7.4),
        CalibrationCase(name: "Llama 3.1 70B LoRA, 8x A100 (FSDP)", source: tt, model: "meta-llama/Llama-3.1-70B",
                        request: MemoryRequest(method: .lora, batchSize: 2, seqLen: 2048, numNodes: 1, gpusPerNode: 8, lora: tt70B),
                        backend: torchtuneProfile, measuredGiB: 27.6),
        CalibrationCase(name: "Llama 3.1 405B QLoRA, 8x A100 (FSDP)", source: tt, model: "meta-llama/Llama-3.1-405B",
                        request: MemoryRequest(method: .qlora, batchSize: 2, seqLen: 2048, numNodes: 1, gpusPerNode: 8, lora: tt70B),
                        backend: torchtuneProfile, measuredGiB: 44.8 * gbToGiB),
    ]
    for (vram, context) in [(8.0, 2_972), (12, 21_848), (16, 40_724), (24, 78_475), (40, 153_977), (48, 191_728), (80, 342_733)] {
        cases.append(CalibrationCase(name: "Llama 3.1 8B QLoRA, \(Int(vram)) GB GPU at \(context) tokens", source: us,
                                     model: "meta-llama/Llama-3.1-8B",
                                     request: MemoryRequest(method: .qlora, batchSize: 1, seqLen: context, lora: usLoRA),
                                     backend: offloadingProfile, measuredGiB: vram))
    }
    for (vram, context) in [(48.0, 12_106), (80, 89_389)] {
        cases.append(CalibrationCase(name: "Llama 3.3 70B QLoRA, \(Int(vram)) GB GPU at \(context) tokens", source: us,
                                     model: "meta-llama/Llama-3.3-70B-Instruct",
                                     request: MemoryRequest(method: .qlora, batchSize: 1, seqLen: context, lora: usLoRA),
                                     backend: offloadingProfile, measuredGiB: vram))
    }
    return cases
}()

@Test("Memory model within ±15% of published measurements", arguments: calibrationCases)
func calibration(_ c: CalibrationCase) throws {
    let model = try ModelRegistry.shared.lookup(c.model).model
    let estimate = MemoryModel.estimate(model: model, request: c.request, backend: c.backend)
    let estimated = gib(estimate.perGPUBytes)
    let error = (estimated - c.measuredGiB) / c.measuredGiB
    print("calibration: \(c.name): estimated \(rounded(estimated, 2)) GiB, measured \(rounded(c.measuredGiB, 2)) GiB, error \(rounded(error * 100, 1))% [\(c.source)]")
    #expect(abs(error) <= 0.15, "\(c.name): \(rounded(error * 100, 1))% off")
}

@Test func calibrationTableIsLargeEnough() {
    #expect(calibrationCases.count >= 10)
}
