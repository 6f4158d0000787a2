import Testing
import KFJSON
import PluginKit
@testable import TorchTunePlugin
import TrainerRules

/// The torchtune trainer section against the Kubeflow SDK 0.5.0 goldens.
@Suite struct BuildTrainerGoldenTests {
    func runtimes() throws -> [JSON] {
        let all = try Goldens.load("fake_cluster_runtimes").object!
        return all.keys.sorted().map { all[$0]! }
    }

    func trainer(_ request: JSON) throws -> JSON {
        let runtimes = try runtimes()
        return try BuildTrainer.run(request) { runtimes }
    }

    /// v2.3.0's webhook (TrainerRules, which fine_tune runs on the TrainJob it sends) on a
    /// TrainJob with the backend's trainer section: its reason, or nil when admitted.
    func denial(_ request: JSON) throws -> String? {
        let answer = try trainer(request)
        let name = answer["runtime"]?.string ?? ""
        let job: JSON = ["apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "TrainJob", "metadata": ["name": "j"],
                         "spec": ["runtimeRef": ["name": .string(name), "kind": "ClusterTrainingRuntime",
                                                 "apiGroup": "trainer.kubeflow.org"],
                                  "trainer": answer["trainer"] ?? [:]]]
        return TrainJobAdmission.review(trainJob: job, runtime: try runtimes().first { $0["metadata"]?["name"]?.string == name }).message
    }

    @Test func a_lora() throws {
        let expected = try Goldens.postBody("a_builtin_torchtune_lora")["spec"]!["trainer"]!
        let answer = try trainer([
            "model": "hf://meta-llama/Llama-3.2-1B-Instruct", "model_source": "huggingface",
            "dataset": "hf://tatsu-lab/alpaca/data", "dataset_source": "huggingface",
            "peft_method": "lora", "epochs": 3, "batch_size": 4,
            "lora_rank": 8, "lora_alpha": 16, "lora_dropout": 0.1, "apply_lora_to_mlp": true,
        ])
        #expect(answer["runtime"] == "torchtune-llama3.2-1b")
        #expect(answer["runtime_kind"] == "ClusterTrainingRuntime")
        #expect(firstDifference(answer["trainer"]!, expected) == nil, "\(firstDifference(answer["trainer"]!, expected) ?? "")")
    }

    /// Golden b is what the SDK sends, and what v2.3.0's webhook denies (torchtune.go:
    /// numNodes > 1 only for llama3_3/70B): the backend builds the SDK's section, the rule denies it.
    @Test func b_fullTwoNodesIsDeniedByTheWebhooksRule() throws {
        let reason = try denial([
            "model": "hf://meta-llama/Llama-3.2-1B-Instruct", "model_source": "huggingface",
            "dataset": "hf://tatsu-lab/alpaca/data", "dataset_source": "huggingface",
            "peft_method": "none", "epochs": 3, "batch_size": 4, "num_nodes": 2,
            "resources_per_node": ["requests": ["nvidia.com/gpu": 2.0], "limits": ["nvidia.com/gpu": 2.0]],
        ])
        #expect(reason == "spec.trainer.numNodes: Invalid value: 2: must be 1 for llama3_2/1B model")
    }

    /// torchtune.go's QLoRA rules: llama3.2 1B/3B ship QLoRA only for one device, so the job
    /// asks for 1 GPU (the runtime's 2 are denied); qwen2.5 has no QLoRA; LoRA not across nodes.
    @Test func qloraFollowsTheRecipesGPURules() throws {
        let base: JSON = ["model": "hf://meta-llama/Llama-3.2-1B-Instruct", "dataset": "hf://tatsu-lab/alpaca",
                          "dataset_source": "huggingface", "peft_method": "qlora"]
        let one: JSON = ["nvidia.com/gpu": 1.0]
        let answer = try trainer(base)
        #expect(answer["trainer"]?["resourcesPerNode"] == ["limits": one, "requests": one])
        #expect((answer["notes"]?.array ?? []).contains { $0.string?.contains("1 GPU") == true })
        var twoGPUs = base
        twoGPUs["resources_per_node"] = ["requests": ["nvidia.com/gpu": 2.0], "limits": ["nvidia.com/gpu": 2.0]]
        #expect(try denial(base) == nil)
        #expect(try denial(twoGPUs)?.contains("must have gpu resource with value 1 for llama3_2/1B model when using QLoRA") == true)
        var qwen = base
        qwen["model"] = "hf://Qwen/Qwen2.5-1.5B-Instruct"
        #expect(try denial(qwen) == #"spec.runtimeRef.name: Invalid value: "torchtune-qwen2.5-1.5b": QLoRA is not supported for qwen2_5/1.5B model"#)
        // LoRA keeps the runtime's GPUs (llama3_2/1B_lora ships).
        var lora = base
        lora["peft_method"] = "lora"
        #expect(try trainer(lora)["trainer"]?["resourcesPerNode"] == nil)
    }

    /// output_dir and checkpointer.checkpoint_dir are the runtime's (TorchTuneImmutableConfigs).
    @Test func resumeAndOutputDirUseWhatTorchtuneAllows() throws {
        let base: JSON = ["model": "hf://meta-llama/Llama-3.2-1B-Instruct", "dataset": "hf://tatsu-lab/alpaca",
                          "dataset_source": "huggingface", "peft_method": "full"]
        var resume = base
        resume["resume_from_checkpoint"] = "/workspace/output/epoch_0"
        #expect(try trainer(resume)["trainer"]?["args"]?.array?.last == "resume_from_checkpoint=True")
        #expect(try denial(resume) == nil)
        // Elsewhere is torchtune's checkpointer.checkpoint_dir, which the runtime sets: denied.
        resume["resume_from_checkpoint"] = "/mnt/ckpt"
        #expect(try trainer(resume)["trainer"]?["args"]?.array?.suffix(2) == ["checkpointer.checkpoint_dir=/mnt/ckpt", "resume_from_checkpoint=True"])
        #expect(try denial(resume)?.contains("must not set immutable config \"checkpointer.checkpoint_dir\" in trainer args") == true)
        var output = base
        output["output_dir"] = "/mnt/out"
        #expect(try denial(output)?.contains("must not set immutable config \"output_dir\" in trainer args") == true)
        output["output_dir"] = "/workspace/output"
        #expect(try denial(output) == nil)
    }

    @Test func e_s3DatasetHasNoDataDir() throws {
        let expected = try Goldens.postBody("e_s3_initializers")["spec"]!["trainer"]!
        let answer = try trainer([
            "model": "s3://my-bucket/models/llama-3.2-1b", "model_source": "s3",
            "dataset": "s3://my-bucket/datasets/alpaca", "dataset_source": "s3",
            "peft_method": "none", "epochs": 1, "runtime": "torchtune-llama3.2-1b",
        ])
        #expect(firstDifference(answer["trainer"]!, expected) == nil, "\(firstDifference(answer["trainer"]!, expected) ?? "")")
    }

    @Test func datasetLocation() {
        #expect(TorchTuneArgs.datasetArg("hf://tatsu-lab/alpaca") == "dataset.data_dir=/workspace/dataset/.")
        #expect(TorchTuneArgs.datasetArg("hf://tatsu-lab/alpaca/data") == "dataset.data_dir=/workspace/dataset/data")
        #expect(TorchTuneArgs.datasetArg("org/ds/train/part.parquet") == "dataset.data_files=/workspace/dataset/train/part.parquet")
    }

    @Test func qloraAndInstructDatasetArgs() throws {
        let args = try TorchTuneArgs.build([
            "dataset": "hf://org/ds", "dataset_source": "huggingface", "peft_method": "qlora", "dtype": "bf16",
            "dataset_format": "json", "train_on_input": false, "column_map": ["input": "question", "output": "answer"],
        ])
        #expect(args == [
            "dtype=bf16", "dataset.data_dir=/workspace/dataset/.", "model.quantize_base=True",
            "model.lora_attn_modules=[q_proj,v_proj,output_proj]", "dataset=torchtune.datasets.instruct_dataset",
            "dataset.source=json", "dataset.train_on_input=False",
            "dataset.column_map={'input': 'question', 'output': 'answer'}",
        ])
    }

    @Test func runtimeChoice() throws {
        let qwen = try trainer(["model": "hf://Qwen/Qwen2.5-1.5B-Instruct", "dataset": "s3://b/d", "dataset_source": "s3"])
        #expect(qwen["runtime"] == "torchtune-qwen2.5-1.5b")
        #expect(throws: ToolError.self) { try trainer(["model": "hf://mistralai/Mistral-7B-v0.3"]) }
        #expect(throws: ToolError.self) { try trainer(["model": "hf://x/y", "runtime": "torch-distributed"]) }
    }

    @Test func runtimeMustFitTheModel() throws {
        let error = #expect(throws: ToolError.self) {
            try trainer(["model": "hf://Qwen/Qwen2.5-7B-Instruct", "runtime": "torchtune-qwen2.5-1.5b"])
        }
        #expect(error?.field == "runtime")
        // s3:// paths name no model: the user's runtime stands.
        #expect(try trainer(["model": "s3://b/m", "runtime": "torchtune-qwen2.5-1.5b"])["runtime"] == "torchtune-qwen2.5-1.5b")
    }

    @Test func lossShortNamesMapAsTheSDKsEnum() throws {
        #expect(try TorchTuneArgs.build(["loss": "CEWithChunkedOutputLoss", "peft_method": "full"])
                == ["loss=torchtune.modules.loss.CEWithChunkedOutputLoss"])
        #expect(try TorchTuneArgs.build(["loss": "my.pkg.Loss", "peft_method": "full"]) == ["loss=my.pkg.Loss"])
        #expect(throws: ToolError.self) { try TorchTuneArgs.build(["loss": "NoSuchLoss"]) }
        #expect(try TorchTuneArgs.build(["peft_method": "full", "resume_from_checkpoint": "/workspace/output"])
                == ["resume_from_checkpoint=True"])
    }
}
