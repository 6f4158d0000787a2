import KFJSON
import Testing
@testable import TrainerRules

/// Upstream pkg/runtime/framework/plugins/torch/torch_test.go `TestTorchValidate` and
/// torchtune_test.go, case by case.
struct TorchValidateTests {
    static let twoEnvs: JSON = [env("test", "value"), env("PET_NPROC_PER_NODE", "value")]
    static let loraArgs = ["model.lora_attn_modules=[q_proj, v_proj, output_proj]"]
    static let qloraArgs = loraArgs + ["model.quantize_base=True"]
    static let missingTarget: JSON = ["jobName": "node", "containerNames": ["missing-container"]]

    static let cases: [Case] = [
        Case("no action when info is nil", info: nil, old: trainJob(), new: trainJob()),
        Case("no action when info does not have MLPolicySource", info: RuntimeInfo(), old: trainJob(), new: trainJob()),
        Case("no action when info has MLPolicySource but no Torch policy", info: RuntimeInfo(mlPolicy: [:]), old: trainJob(), new: trainJob()),
        Case("envInjection target container does not exist",
             info: torchInfo(["envInjection": ["targets": [missingTarget]]],
                             jobs: [replicatedJob("node", containers: [container("node")], ancestor: "trainer")]),
             old: trainJob(), new: trainJob(),
             want: [.invalid("spec.runtimeRef", missingTarget,
                             "envInjection target podSet \"node\" container \"missing-container\" not found in runtime template")]),
        Case("no action when info does not have numProcPerNode", info: torchInfo(), old: trainJob(trainer: [:]), new: trainJob(trainer: [:])),
        Case("valid environment variable present", info: torchInfo(),
             new: trainJob(trainer: ["env": [env("test", "value"), env("test2", "value")]])),
        Case("reserved environment variable present", info: torchInfo(), new: trainJob(trainer: ["env": twoEnvs]),
             want: [.invalid("spec.trainer.env", twoEnvs, "must not have reserved envs, invalid envs configured: [PET_NPROC_PER_NODE]")]),
        Case("unsupported pretrained model", info: torchInfo(),
             new: trainJob(runtime: "torchtune-llama3.1-70b", trainer: tuneTrainer(numNodes: 1, requests: [:])),
             want: [.invalid("spec.runtimeRef.name", "torchtune-llama3.1-70b",
                             "must have a supported pretrained model, invalid model configured: llama3_1/70B")]),
        Case("multi-node mode is only enabled for Llama-3.3-70b", info: torchInfo(),
             new: trainJob(runtime: "torchtune-llama3.2-3b", trainer: tuneTrainer(numNodes: 2, requests: [:])),
             want: [.invalid("spec.trainer.numNodes", 2, "must be 1 for llama3_2/3B model")]),
        Case("qlora is not supported for qwen in torchtune", info: torchInfo(),
             new: trainJob(runtime: "torchtune-qwen2.5-1.5b", trainer: tuneTrainer(numNodes: 1, args: qloraArgs, requests: [:])),
             want: [.invalid("spec.runtimeRef.name", "torchtune-qwen2.5-1.5b", "QLoRA is not supported for qwen2_5/1.5B model")]),
        Case("muti-devices qlora is not supported for llama3.2-1b in torchtune", info: torchInfo(),
             new: trainJob(runtime: "torchtune-llama3.2-1b",
                           trainer: tuneTrainer(numNodes: 1, args: qloraArgs, requests: ["example.com/gpu": "2"])),
             want: [.invalid("spec.trainer.numProcPerNode", "auto", "must be auto or 1 for llama3_2/1B model when using QLoRA"),
                    .invalid("spec.trainer.resourcesPerNode", ["requests": ["example.com/gpu": "2"]],
                             "must have gpu resource with value 1 for llama3_2/1B model when using QLoRA")]),
        Case("lora is not supported for multi-node training in torchtune", info: torchInfo(),
             new: trainJob(runtime: "torchtune-llama3.3-70b", trainer: tuneTrainer(numNodes: 2, args: loraArgs, requests: [:])),
             want: [.invalid("spec.trainer.numNodes", 2, "LoRA fine-tuning is not supported for multi-node training in TorchTune")]),
        Case("lora is supported for single-node training in torchtune", info: torchInfo(),
             new: trainJob(runtime: "torchtune-llama3.3-70b", trainer: tuneTrainer(numNodes: 1, args: loraArgs, requests: [:]))),
        Case("immutable runtime config must not be set in trainer args", info: torchInfo(),
             new: trainJob(runtime: "torchtune-llama3.2-1b", trainer: tuneTrainer(numNodes: 1, args: ["output_dir=/custom/output"], requests: [:])),
             want: [.invalid("spec.trainer.args[0]", "output_dir=/custom/output",
                             "must not set immutable config \"output_dir\" in trainer args; it is managed by the runtime")]),
        Case("multiple immutable runtime configs must not be set in trainer args", info: torchInfo(),
             new: trainJob(runtime: "torchtune-llama3.2-1b",
                           trainer: tuneTrainer(numNodes: 1, args: ["output_dir=custom-output", "tokenizer.path=/some/path"], requests: [:])),
             want: [.invalid("spec.trainer.args[0]", "output_dir=custom-output",
                             "must not set immutable config \"output_dir\" in trainer args; it is managed by the runtime"),
                    .invalid("spec.trainer.args[1]", "tokenizer.path=/some/path",
                             "must not set immutable config \"tokenizer.path\" in trainer args; it is managed by the runtime")]),
    ]

    @Test(arguments: cases)
    func torchValidate(_ c: Case) {
        #expect(TorchValidation.validate(info: c.info, new: c.new) == c.want)
    }

    // TestGetModelFromRuntimeRef (upstream answers "" where we answer nil).
    @Test(arguments: [("llama3.2 1B is normalized", "torchtune-llama3.2-1b", "llama3_2/1B"),
                      ("qwen2.5 1.5B is normalized", "torchtune-qwen2.5-1.5b", "qwen2_5/1.5B"),
                      ("fewer than three parts returns empty", "torchtune-llama3.2", ""),
                      ("more than three parts returns empty", "torchtune-llama3.2-1b-extra", ""),
                      ("empty name returns empty", "", "")])
    func getModelFromRuntimeRef(_ name: String, _ runtime: String, _ want: String) {
        #expect(BuiltinTrainerRules.modelKey(runtime: runtime) ?? "" == want, "\(name)")
    }

    // TestIsLoraConfigEnabled.
    @Test(arguments: [("lora attn modules present", ["batch_size=32", "model.lora_attn_modules=['q_proj','v_proj']"], true),
                      ("no lora args", ["batch_size=32", "epochs=10"], false),
                      ("empty args", [], false)])
    func isLoraConfigEnabled(_ name: String, _ args: [String], _ want: Bool) {
        #expect((BuiltinTrainerRules.method(args: args) == .lora) == want, "\(name)")
    }

    // TestIsUseQLoraFinetune.
    @Test(arguments: [("quantize base enabled", ["model.quantize_base=True"], true),
                      ("quantize base explicitly disabled", ["model.quantize_base=False"], false),
                      ("dora short-circuits even when quantize base is set", ["model.quantize_base=True", "model.use_dora=True"], false),
                      ("dora explicitly disabled with quantize base set", ["model.quantize_base=True", "model.use_dora=False"], true),
                      ("neither quantize base nor dora", ["batch_size=32"], false),
                      ("empty args", [], false)])
    func isUseQLoraFinetune(_ name: String, _ args: [String], _ want: Bool) {
        #expect((BuiltinTrainerRules.method(args: args) == .qlora) == want, "\(name)")
    }

    // TestGetRecipeAndConfig: (name, numNodes, numProcPerNode (nil = auto), gpuQ, method, recipe, config suffix).
    static let recipeCases: [(String, Int, Int?, Int, BuiltinTrainerRules.Method, String, String)] = [
        ("single device full", 1, nil, 1, .full, "full_finetune_single_device", "_full_single_device"),
        ("single device lora", 1, nil, 1, .lora, "lora_finetune_single_device", "_lora_single_device"),
        ("single device qlora", 1, nil, 1, .qlora, "lora_finetune_single_device", "_qlora_single_device"),
        ("single node multi-gpu full", 1, nil, 4, .full, "full_finetune_distributed", "_full"),
        ("single node multi-gpu lora", 1, nil, 4, .lora, "lora_finetune_distributed", "_lora"),
        ("single node multi-gpu qlora", 1, nil, 4, .qlora, "lora_finetune_distributed", "_qlora"),
        ("multi-node full", 2, nil, 8, .full, "full_finetune_distributed", "_full_multinode"),
        ("numProcPerNode=1 forces single device even with multiple gpus", 1, 1, 4, .full, "full_finetune_single_device", "_full_single_device"),
        ("numProcPerNode>1 uses distributed", 1, 4, 4, .full, "full_finetune_distributed", "_full"),
    ]

    @Test func getRecipeAndConfig() {
        for (name, nodes, procs, gpus, method, recipe, suffix) in Self.recipeCases {
            let got = BuiltinTrainerRules.recipeAndConfig(model: "llama3_2/1B", numNodes: nodes, gpus: procs == 1 ? 1 : gpus, method: method)
            #expect(got.0 == recipe && got.1 == "llama3_2/1B" + suffix, "\(name)")
        }
    }
}
