import PluginKit
import Testing
@testable import MemoryKit
@testable import PlanningPlugin
import TrainerRules

/// A backend declaring what Kubeflow Trainer v2.3.0 and torchtune do with its runtimes,
/// from TrainerRules (the facts the simulator runs on).
let webhookBackend: JSON = [
    "id": "tt", "capabilities": [
        "methods": ["lora", "qlora", "full"],
        "runtime_selector": ["framework": "torchtune"],
        "admission_rules": [
            "supported_models": .array(BuiltinTrainerRules.supportedModels.map(JSON.string)),
            "shipped_configs": .array(BuiltinTrainerRules.shipped.sorted().map(JSON.string)),
        ],
    ],
]

private func validate(_ a: JSON) -> ConfigValidation.Report { ConfigValidation.validate(a, backends: [webhookBackend]) }
private func fields(_ r: ConfigValidation.Report) -> [String] { r.errors.map(\.field) }

@Test func goodConfigIsValid() {
    let r = validate(["model": "hf://meta-llama/Llama-3.2-1B-Instruct", "dataset": "hf://tatsu-lab/alpaca",
                      "runtime": "torchtune-llama3.2-1b", "method": "lora", "num_nodes": 1,
                      "resources_per_node": ["gpu": 2, "memory": "64Gi", "cpu": "500m"], "lora_rank": 8, "lora_alpha": 16,
                      "lora_dropout": 0.05])
    #expect(r.valid, "\(r.errors)")
}

@Test func severalNodesOnSingleNodeModelFail() {
    let r = validate(["model": "hf://meta-llama/Llama-3.2-1B", "dataset": "hf://tatsu-lab/alpaca",
                      "runtime": "torchtune-llama3.2-1b", "method": "full", "num_nodes": 2])
    #expect(fields(r) == ["num_nodes"])
    // The webhook's own words, as a v2.3.0 cluster denies the TrainJob at creation.
    #expect(r.errors[0].message.contains("denies the TrainJob at creation: admission webhook \"validator.trainjob.trainer.kubeflow.org\" "
                                         + "denied the request: spec.trainer.numNodes: Invalid value: 2: must be 1 for llama3_2/1B model"))
}

@Test func loraAcrossNodesIsDeniedAtCreation() {
    let r = validate(["model": "hf://meta-llama/Llama-3.3-70B-Instruct", "dataset": "hf://tatsu-lab/alpaca",
                      "runtime": "torchtune-llama3.3-70b", "method": "lora", "num_nodes": 2])
    #expect(fields(r) == ["num_nodes"])
    #expect(r.errors[0].message.contains("LoRA fine-tuning is not supported for multi-node training in TorchTune"))
}

@Test func webhookQLoRARules() {
    let qwen = validate(["model": "hf://Qwen/Qwen2.5-1.5B-Instruct", "dataset": "hf://tatsu-lab/alpaca",
                         "runtime": "torchtune-qwen2.5-1.5b", "method": "qlora", "resources_per_node": ["gpu": 1]])
    #expect(fields(qwen) == ["method"])
    let llama = validate(["model": "hf://meta-llama/Llama-3.2-3B", "dataset": "hf://tatsu-lab/alpaca",
                          "runtime": "torchtune-llama3.2-3b", "method": "qlora", "resources_per_node": ["gpu": 2]])
    #expect(fields(llama) == ["resources_per_node"])
    let unset = validate(["model": "hf://meta-llama/Llama-3.2-3B", "dataset": "hf://tatsu-lab/alpaca",
                          "runtime": "torchtune-llama3.2-3b", "method": "qlora"])
    // The runtime's own 2 GPUs apply: denied, as with 2 set.
    #expect(fields(unset) == ["resources_per_node"])
    #expect(unset.errors[0].message.contains("must be auto or 1 for llama3_2/3B model when using QLoRA"))
}

@Test func runtimeRulesComeOnlyFromBackends() {
    // Without a backend declaring rules, the same config passes: nothing is hard-coded.
    let r = ConfigValidation.validate(["model": "hf://meta-llama/Llama-3.2-1B", "dataset": "hf://tatsu-lab/alpaca",
                                       "runtime": "torchtune-llama3.2-1b", "num_nodes": 2], backends: [])
    #expect(r.valid)
    #expect(AdmissionRules.modelKey(runtime: "torchtune-llama3.2-1b") == "llama3_2/1B")
    #expect(AdmissionRules.modelKey(runtime: "torch-distributed") == nil)
}

@Test func customTrainerOnBuiltinRuntime() {
    let r = validate(["trainer_type": "custom", "runtime": "torchtune-llama3.2-1b"])
    #expect(fields(r).contains("runtime"))
    #expect(validate(["trainer_type": "custom", "runtime": "torch-distributed"]).valid)
}

@Test(arguments: [
    ("gs://bucket/model", "model"), ("http://example.com/x", "model"), ("s3://A_Bucket/x", "model"),
    ("pvc://Bad_Claim/x", "model"), ("hf://org//name", "model"), ("hf://org/na me", "model"),
])
func badURIsAreRejected(_ uri: String, _ field: String) {
    let r = validate(["model": .string(uri), "dataset": "hf://tatsu-lab/alpaca"])
    #expect(fields(r) == [field], "\(uri): \(r.errors)")
}

@Test func goodURIsPass() {
    for uri in ["hf://Qwen/Qwen2.5-7B-Instruct", "s3://my-bucket/models/qwen", "pvc://model-store/qwen", "Qwen/Qwen2.5-7B"] {
        #expect(validate(["model": .string(uri), "dataset": "s3://data-bucket/train.jsonl"]).valid, "\(uri)")
    }
    #expect(validate(["model": "Qwen/Qwen2.5-7B", "dataset": "tatsu-lab/alpaca"]).warnings.count == 2)  // no scheme
}

@Test func loraRangesAndResources() {
    let r = validate(["model": "hf://Qwen/Qwen2.5-7B", "dataset": "hf://tatsu-lab/alpaca", "lora_rank": 0,
                      "lora_alpha": -1, "lora_dropout": 1.5, "lora_target_modules": ["q_proj", "qkv"],
                      "resources_per_node": ["gpus": 2, "nvidia.com/gpu": 1.5, "memory": "lots"]])
    #expect(Set(fields(r)) == ["lora_rank", "lora_alpha", "lora_dropout", "lora_target_modules",
                               "resources_per_node.gpus", "resources_per_node.nvidia.com/gpu", "resources_per_node.memory"])
    let full = validate(["model": "hf://Qwen/Qwen2.5-7B", "dataset": "hf://tatsu-lab/alpaca", "method": "full", "lora_rank": 8])
    #expect(fields(full) == ["lora_rank"])
    let seq = validate(["model": "hf://meta-llama/Llama-2-7b-hf", "dataset": "hf://tatsu-lab/alpaca", "seq_len": 8192])
    #expect(fields(seq) == ["seq_len"])
}

@Test func quantities() {
    #expect(abs((Quantity.parse("64Gi") ?? 0) - 68_719_476_736.0) < 1)
    #expect(Quantity.parse("500m") == 0.5)
    #expect(Quantity.parse("1e3") == 1000)
    #expect(Quantity.parse("4") == 4)
    #expect(Quantity.parse("lots") == nil)
}
