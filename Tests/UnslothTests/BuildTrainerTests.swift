import Testing
import KFJSON
import PluginKit
import BackendKit
@testable import UnslothPlugin

/// The Unsloth backend's trainer section and generated script.
@Suite struct BuildTrainerTests {
    static let runtimes: [JSON] = [["name": "torch-distributed", "kind": "ClusterTrainingRuntime", "framework": "torch"]]

    func build(_ extra: [String: JSON] = [:]) throws -> JSON {
        var r: [String: JSON] = [
            "model": "hf://Qwen/Qwen2.5-7B-Instruct", "model_source": "huggingface",
            "dataset": "hf://tatsu-lab/alpaca", "dataset_source": "huggingface",
            "peft_method": "lora", "epochs": 2, "batch_size": 4, "learning_rate": 2e-4,
            "lora_rank": 16, "lora_alpha": 32, "lora_dropout": 0.05, "runtimes": .array(Self.runtimes),
        ]
        r.merge(extra) { _, new in new }
        return try BuildTrainer.run(.object(r), capabilities: unslothCapabilities) { [] }
    }

    /// The Python script between the heredoc markers of the bash command.
    func script(_ answer: JSON) -> String {
        let command = answer["trainer"]?["command"]?.array?.compactMap(\.string) ?? []
        #expect(command.count == 3 && command[0] == "bash" && command[1] == "-c")
        let shell = command.last ?? ""
        #expect(bashProblem(shell) == nil, "\(bashProblem(shell) ?? "")")
        #expect(shell.contains("<<'\(UnslothScript.heredocDelimiter)'\n"))  // quoted: the shell expands nothing
        #expect(shell.hasSuffix("\(UnslothScript.heredocDelimiter)\npython \(UnslothScript.scriptPath)\n"))
        guard let start = shell.range(of: "<<'\(UnslothScript.heredocDelimiter)'\n")?.upperBound,
              let end = shell.range(of: "\n\(UnslothScript.heredocDelimiter)\n", range: start..<shell.endIndex)?.lowerBound
        else { Issue.record("no heredoc in \(shell)"); return "" }
        return String(shell[start..<end])
    }

    @Test(arguments: ["lora", "qlora"])
    func scriptUsesUnslothsDocumentedCalls(method: String) throws {
        let answer = try build(["peft_method": .string(method)])
        #expect(answer["runtime"] == "torch-distributed" && answer["trainer"]?["image"] == "unsloth/unsloth")
        #expect(answer["trainer"]?["numNodes"] == 1)
        let py = script(answer)
        #expect(pythonProblem(py) == nil, "\(pythonProblem(py) ?? "")")
        #expect(py.contains("from unsloth import FastLanguageModel"))
        #expect(py.contains("from trl import SFTConfig, SFTTrainer"))
        #expect(py.contains("FastLanguageModel.from_pretrained(\n    model_name=model_location(),\n    max_seq_length=2048,"))
        #expect(py.contains("load_in_4bit=\(method == "qlora" ? "True" : "False"),"))
        #expect(py.contains("model = FastLanguageModel.get_peft_model(\n    model,\n    r=16,\n    lora_alpha=32,\n    lora_dropout=0.05,"))
        #expect(py.contains("use_gradient_checkpointing=\"unsloth\","))
        #expect(py.contains("        num_train_epochs=2,"))
        #expect(py.contains("        per_device_train_batch_size=4,"))
        #expect(py.contains("        learning_rate=0.0002,"))
        #expect(py.contains("        output_dir=OUTPUT_DIR,") && py.contains("OUTPUT_DIR = \"/workspace/output\""))
        #expect(py.contains("MODEL_REPO = \"Qwen/Qwen2.5-7B-Instruct\""))
        #expect(py.contains("DATASET_PATH = \"/workspace/dataset\""))
        #expect(py.contains("trainer.train()"))
    }

    @Test func fullFineTuningIsRefused() {
        #expect(throws: ToolError.self) { try build(["peft_method": "none"]) }
    }

    @Test func severalNodesAreRefusedWithAClearMessage() throws {
        do {
            _ = try build(["num_nodes": 2])
            Issue.record("num_nodes 2 was accepted")
        } catch let e as ToolError {
            #expect(e.field == "num_nodes" && e.message.contains("single node"))
        }
    }

    @Test func backendOptionsReachTheScript() throws {
        let py = script(try build(["backend_options": ["max_seq_length": 4096, "max_steps": 60, "save_merged": true,
                                                       "use_gradient_checkpointing": false,
                                                       "dataset_text_field": "content"]]))
        #expect(pythonProblem(py) == nil, "\(pythonProblem(py) ?? "")")
        #expect(py.contains("max_seq_length=4096,") && py.contains("        max_steps=60,"))
        #expect(py.contains("use_gradient_checkpointing=False,"))
        #expect(py.contains("TEXT_FIELD = \"content\""))
        #expect(py.contains("save_pretrained_merged("))
        #expect(throws: ToolError.self) { try build(["backend_options": ["max_seq_len": 4096]]) }
        #expect(throws: ToolError.self) { try build(["backend_options": ["use_gradient_checkpointing": "yes"]]) }
    }

    @Test func hostileStringsStayInsidePythonLiterals() throws {
        let py = script(try build(["output_dir": .string("/tmp/out\"\n\(UnslothScript.heredocDelimiter)\nrm -rf /"),
                                   "dataset": "hf://org/data/train.json"]))
        #expect(pythonProblem(py) == nil, "\(pythonProblem(py) ?? "")")
        #expect(!py.contains("\n\(UnslothScript.heredocDelimiter)\n"))
        #expect(py.contains("data_files=DATASET_SUBPATH"))
    }

    @Test func extraGPUsAndBf16AreNoted() throws {
        let answer = try build(["resources_per_node": ["limits": ["nvidia.com/gpu": 4]], "dtype": "bf16"])
        #expect(answer["notes"]?.array?.contains { $0.string?.contains("one GPU") == true } == true)
        #expect(script(answer).contains("dtype=torch.bfloat16,"))
    }
}
