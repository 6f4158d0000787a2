import Testing
import KFJSON
import PluginKit
import BackendKit
@testable import TRLPlugin

/// The TRL backend's trainer section, for each method and trainer type.
@Suite struct BuildTrainerTests {
    static let fallbackOnly: [JSON] = [
        ["name": "torchtune-llama3.2-1b", "kind": "ClusterTrainingRuntime", "framework": "torchtune"],
        ["name": "torch-distributed", "kind": "ClusterTrainingRuntime", "framework": "torch"],
    ]

    /// Every TRL CLI argument the backend may emit, by the TRL class that
    /// documents it: ModelConfig, ScriptArguments, SFTConfig/DPOConfig
    /// (transformers TrainingArguments), and the accelerate launch options the
    /// TRL CLI forwards.
    static let documentedArguments: Set<String> = [
        // ModelConfig
        "--model_name_or_path", "--use_peft", "--lora_r", "--lora_alpha", "--lora_dropout", "--lora_target_modules",
        "--load_in_4bit", "--bnb_4bit_quant_type", "--attn_implementation", "--trust_remote_code",
        // ScriptArguments
        "--dataset_name", "--dataset_config", "--dataset_train_split",
        // SFTConfig / DPOConfig / TrainingArguments
        "--output_dir", "--num_train_epochs", "--per_device_train_batch_size", "--learning_rate", "--bf16",
        "--max_length", "--gradient_accumulation_steps", "--gradient_checkpointing", "--warmup_ratio",
        "--lr_scheduler_type", "--logging_steps", "--save_strategy", "--max_steps", "--seed", "--packing",
        "--beta", "--loss_type",
        // accelerate launch, through the TRL CLI
        "--num_machines", "--num_processes", "--machine_rank", "--main_process_ip", "--main_process_port",
        "--multi_gpu", "--accelerate_config",
    ]

    func request(_ extra: [String: JSON] = [:]) -> JSON {
        var r: [String: JSON] = [
            "model": "hf://meta-llama/Llama-3.2-1B-Instruct", "model_source": "huggingface",
            "dataset": "hf://tatsu-lab/alpaca/data", "dataset_source": "huggingface",
            "peft_method": "lora", "epochs": 3, "batch_size": 4, "learning_rate": 2e-5,
            "lora_rank": 8, "lora_alpha": 16, "lora_dropout": 0.1,
            "runtimes": .array(Self.fallbackOnly),
        ]
        r.merge(extra) { _, new in new }
        return .object(r)
    }

    func build(_ extra: [String: JSON] = [:]) throws -> JSON {
        try BuildTrainer.run(request(extra)) { Issue.record("runtimes were in the request"); return [] }
    }

    func script(_ answer: JSON) -> String {
        let command = answer["trainer"]?["command"]?.array?.compactMap(\.string) ?? []
        #expect(command.count == 3 && command[0] == "bash" && command[1] == "-c")
        return command.last ?? ""
    }

    /// The `exec trl ...` line, split into words (the script quotes nothing that has spaces here).
    func trlWords(_ script: String) -> [String] {
        let line = script.split(separator: "\n").drop { !$0.hasPrefix("exec trl") }
            .prefix(2).joined(separator: " ").replacingOccurrences(of: "\\", with: " ")
        return line.split(separator: " ").map { String($0).replacingOccurrences(of: "\"", with: "") }
    }

    func value(_ words: [String], _ flag: String) -> String? {
        guard let i = words.firstIndex(of: flag), i + 1 < words.count else { return nil }
        return words[i + 1]
    }

    @Test func loraOnTheFallbackRuntime() throws {
        let answer = try build()
        #expect(answer["runtime"] == "torch-distributed")
        #expect(answer["trainer"]?["image"] == "huggingface/trl")
        let s = script(answer)
        #expect(bashProblem(s) == nil, "\(bashProblem(s) ?? "")")
        let words = trlWords(s)
        #expect(Array(words.prefix(3)) == ["exec", "trl", "sft"])
        #expect(value(words, "--model_name_or_path") == "$MODEL_PATH")
        #expect(value(words, "--dataset_name") == "$DATASET_PATH")
        #expect(value(words, "--num_train_epochs") == "3")
        #expect(value(words, "--per_device_train_batch_size") == "4")
        #expect(value(words, "--learning_rate") == "2e-05")
        #expect(value(words, "--lora_r") == "8")
        #expect(value(words, "--lora_alpha") == "16")
        #expect(value(words, "--lora_dropout") == "0.1")
        #expect(value(words, "--output_dir") == "/workspace/output")
        #expect(words.contains("--use_peft") && !words.contains("--load_in_4bit"))
        // Multi-node layout from the Trainer's PET_* variables.
        #expect(value(words, "--num_machines") == "$NNODES" && value(words, "--machine_rank") == "$NODE_RANK")
        #expect(value(words, "--main_process_ip") == "$MASTER_ADDR" && value(words, "--main_process_port") == "$MASTER_PORT")
        for variable in ["PET_NNODES", "PET_NPROC_PER_NODE", "PET_NODE_RANK", "PET_MASTER_ADDR", "PET_MASTER_PORT"] {
            #expect(s.contains("${\(variable)"), "\(variable)")
        }
        // Initializer volumes first, the Hub when the runtime has none.
        #expect(s.contains("MODEL_PATH=/workspace/model\n"))
        #expect(s.contains("MODEL_PATH=meta-llama/Llama-3.2-1B-Instruct;"))
        #expect(s.contains("DATASET_PATH=/workspace/dataset/data\n"))
        #expect(s.contains("DATASET_PATH=tatsu-lab/alpaca;"))
        #expect(answer["notes"]?.array?.contains { $0.string?.contains("torch-distributed") == true } == true)
    }

    @Test func qloraLoadsIn4Bit() throws {
        let words = trlWords(script(try build(["peft_method": "qlora"])))
        #expect(words.contains("--use_peft") && words.contains("--load_in_4bit"))
        #expect(value(words, "--bnb_4bit_quant_type") == "nf4")
    }

    @Test func fullFineTuningHasNoAdapters() throws {
        let words = trlWords(script(try build(["peft_method": "none", "num_nodes": 2])))
        #expect(!words.contains("--use_peft") && !words.contains("--lora_r") && !words.contains("--load_in_4bit"))
    }

    @Test func dpoRunsTrlDpoWithItsOptions() throws {
        let answer = try build(["backend_options": ["trainer_type": "dpo", "beta": 0.1, "max_length": 1024,
                                                    "gradient_checkpointing": true]])
        let words = trlWords(script(answer))
        #expect(Array(words.prefix(3)) == ["exec", "trl", "dpo"])
        #expect(value(words, "--beta") == "0.1" && value(words, "--max_length") == "1024")
        #expect(words.contains("--gradient_checkpointing"))
        #expect(answer["notes"]?.array?.contains { $0.string?.contains("chosen") == true } == true)
    }

    @Test(arguments: ["lora", "qlora", "none"])
    func everyArgumentIsDocumented(method: String) throws {
        for type in ["sft", "dpo"] {
            var options: JSON = ["trainer_type": .string(type), "accelerate_config": "zero3", "logging_steps": 5,
                                 "dataset_train_split": "train", "seed": 1]
            options["packing"] = type == "sft" ? true : nil
            let words = trlWords(script(try build(["peft_method": .string(method), "backend_options": options,
                                                   "dtype": "bf16", "lora_attn_modules": ["q_proj", "v_proj"]])))
            for flag in words where flag.hasPrefix("--") {
                #expect(Self.documentedArguments.contains(flag), "\(flag) is not a documented TRL/accelerate argument")
            }
            #expect(!words.contains("--multi_gpu"))  // the accelerate config decides
            #expect(value(words, "--accelerate_config") == "zero3")
        }
    }

    @Test func aTRLRuntimeIsPreferredAndKeepsItsImage() throws {
        let runtimes: JSON = .array(Self.fallbackOnly + [["name": "trl-runtime", "kind": "TrainingRuntime", "framework": "trl"]])
        let answer = try build(["runtimes": runtimes, "num_nodes": 2,
                                "resources_per_node": ["limits": ["nvidia.com/gpu": 4]]])
        #expect(answer["runtime"] == "trl-runtime" && answer["runtime_kind"] == "TrainingRuntime")
        #expect(answer["trainer"]?["image"] == nil)
        #expect(answer["trainer"]?["numNodes"] == 2)
        #expect(answer["trainer"]?["resourcesPerNode"]?["limits"]?["nvidia.com/gpu"] == 4)
    }

    @Test func unknownBackendOptionsAreRefusedByName() {
        #expect(throws: ToolError.self) { try build(["backend_options": ["learnin_rate": 1]]) }
        do { _ = try build(["backend_options": ["learnin_rate": 1]]) } catch let e as ToolError {
            #expect(e.message.contains("learnin_rate") && e.message.contains("trainer_type") && e.field == "backend_options")
        } catch { Issue.record("\(error)") }
        #expect(throws: ToolError.self) { try build(["backend_options": ["trainer_type": "ppo"]]) }
        #expect(throws: ToolError.self) { try build(["backend_options": ["beta": 0.1]]) }  // DPO only
        #expect(throws: ToolError.self) { try build(["backend_options": ["max_length": "long"]]) }
    }

    @Test func aRuntimeOfAnotherFrameworkIsRefused() {
        #expect(throws: ToolError.self) { try build(["runtime": "torchtune-llama3.2-1b"]) }
        #expect(throws: ToolError.self) { try build(["runtime": "no-such-runtime"]) }
        #expect(throws: ToolError.self) { try build(["runtimes": [["name": "jax-distributed", "framework": "jax"]]]) }
    }

    @Test func s3SourcesNeedInitializers() {
        #expect(throws: ToolError.self) {
            try build(["model": "s3://bucket/models/llama", "model_source": "s3"])
        }
    }
}
