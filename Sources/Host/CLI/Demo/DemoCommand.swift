import ArgumentParser
import Foundation
import HostCore
import KFJSON

/// Plays the KEP's three user stories, a tuning story and a registry story through the MCP protocol against the
/// embedded cluster simulator, printing each tool call, its result and the
/// progress bar. The server is this same binary (`serve --sim`), spoken to over
/// stdio exactly as Claude, Cursor or VS Code would.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Play the KEP's three user stories, a tuning story and a registry story on the embedded cluster simulator.")

    @Option(help: "Simulated seconds per real second (higher: faster jobs).") var timeScale: Double = 60
    @Flag(help: "Show whole JSON results, not just their summaries.") var verbose = false

    func run() throws {
        let client = try StdioClient(executable: HostOptions.currentExecutablePath(),
                                     arguments: ["serve", "--sim", "--sim-time-scale", String(timeScale),
                                                 "--audit-log", "/dev/null"])
        defer { client.close() }
        let init_ = try client.request("initialize", [
            "protocolVersion": "2025-11-25", "capabilities": [:],
            "clientInfo": ["name": "kubeflow-mcp-demo", "version": .string(KubeflowMCPVersion.current)]])
        client.notify("notifications/initialized")
        let tools = try client.request("tools/list", [:])["tools"]?.array?.compactMap { $0["name"]?.string } ?? []
        say("Connected to \(init_["serverInfo"]?["name"]?.string ?? "?") (MCP \(init_["protocolVersion"]?.string ?? "?")), \(tools.count) tools, cluster: embedded simulator\n")
        let demo = Demo(client: client, tools: Set(tools), verbose: verbose)

        demo.story("Story 1 — data scientist: \"Fine-tune Qwen/Qwen2.5-1.5B-Instruct on tatsu-lab/alpaca using LoRA\"") {
            try demo.call("get_cluster_resources", [:])
            if demo.tools.contains("estimate_resources") {
                try demo.call("estimate_resources", ["model": "Qwen/Qwen2.5-1.5B-Instruct", "method": "lora"])
            }
            let args: JSON = ["model": "Qwen/Qwen2.5-1.5B-Instruct", "dataset": "tatsu-lab/alpaca", "peft_method": "lora"]
            let job = try demo.confirmed("fine_tune", args)["job_id"]?.string ?? ""
            try demo.call("wait_for_completion", ["job_id": .string(job), "timeout_seconds": 240], progress: true)
            try demo.call("get_training_progress", ["job_id": .string(job)])
            try demo.call("get_training_logs", ["job_id": .string(job), "tail_lines": 4])
        }
        demo.story("Story 2 — ML engineer: \"Run my distributed training function on 2 nodes with 4 GPUs each\"") {
            try demo.call("get_cluster_resources", [:])
            let args: JSON = [
                "func": .string(Demo.trainingFunction), "func_args": ["learning_rate": "0.01"],
                "num_nodes": 2, "resources_per_node": ["gpu": 4]]
            let job = try demo.confirmed("run_custom_training", args)["job_id"]?.string ?? ""
            try demo.call("wait_for_completion", ["job_id": .string(job), "timeout_seconds": 240], progress: true)
            try demo.call("get_training_logs", ["job_id": .string(job), "tail_lines": 3])
        }
        demo.story("Story 3 — DevOps: \"Run my custom trainer image ghcr.io/myorg/trainer:v1 with 4 GPUs\"") {
            let job = try demo.confirmed("run_container_job", ["image": "ghcr.io/myorg/trainer:v1",
                                                               "resources_per_node": ["gpu": 4]])["job_id"]?.string ?? ""
            try demo.call("wait_for_completion", ["job_id": .string(job), "timeout_seconds": 240], progress: true)
            try demo.call("list_training_jobs", [:])
        }
        var experiment = ""
        demo.story("Story 4 — data scientist: \"Tune the learning rate of my training function over 6 trials, 2 at a time\"") {
            let args: JSON = [
                "trial_template": ["tool": "run_custom_training",
                                   "arguments": ["func": .string(Demo.trainingFunction), "resources_per_node": ["gpu": 1]]],
                "search_space": ["learning_rate": ["loguniform": [1e-5, 1e-2]]],
                "num_trials": 6, "parallel_trials": 2, "algorithm_settings": ["random_state": 42]]
            try demo.call("create_experiment", args)  // a preview: the Experiment that would be created
            let name = try demo.confirmed("create_experiment", args)["name"]?.string ?? ""
            experiment = name
            try demo.call("get_experiment_status", ["name": .string(name), "wait": true, "timeout_seconds": 240],
                          progress: true)
            try demo.call("get_experiment_trials", ["name": .string(name)])
        }
        demo.story("Story 5 — data scientist: \"Register the best model of the tuning run\"") {
            guard demo.tools.contains("register_model") else { throw DemoError("the registry plugin is not loaded") }
            let best = try demo.call("get_experiment_status", ["name": .string(experiment)])["best_trial"]?["job_id"]?.string ?? ""
            // job_id fills the metadata from the trial's TrainJob (trial, hyperparameters, final loss);
            // the function saved no checkpoint on a PVC, so the artifact's URI is given.
            try demo.confirmed("register_model", [
                "job_id": .string(best), "name": "train-func-tuned", "version": "v1",
                "uri": .string("s3://models/train-func-tuned/\(best)"), "model_format_name": "pytorch"])
            try demo.call("get_model", ["name": "train-func-tuned"])
        }
        if demo.failures > 0 { throw ExitCode(1) }
    }
}

private func say(_ s: String) { FileHandle.standardOutput.write(Data((s + "\n").utf8)) }

private func merging(_ a: JSON, _ b: JSON) -> JSON {
    var out = a.object ?? [:]
    for (k, v) in b.object ?? [:] { out[k] = v }
    return .object(out)
}

/// Prints calls and results as a person would want to read them.
final class Demo {
    let client: StdioClient
    let tools: Set<String>
    let verbose: Bool
    var failures = 0

    init(client: StdioClient, tools: Set<String>, verbose: Bool) {
        self.client = client
        self.tools = tools
        self.verbose = verbose
    }

    static let trainingFunction = """
        def train_func(learning_rate: str):
            import torch.distributed as dist
            dist.init_process_group(backend="nccl")
            print(f"training with lr={learning_rate} on rank {dist.get_rank()}")
        """

    func story(_ title: String, _ body: () throws -> Void) {
        say("\n=== \(title)")
        do { try body() } catch {
            failures += 1
            say("!! \(error)")
        }
    }

    /// Call a tool; print the call, the progress bar as notifications arrive, and the result.
    @discardableResult
    func call(_ name: String, _ args: JSON, progress: Bool = false) throws -> JSON {
        say("\n→ \(name) \(args.serialized().replacingOccurrences(of: "\\n", with: " ").prefix(160))")
        var params: JSON = ["name": .string(name), "arguments": args]
        if progress { params["_meta"] = ["progressToken": .string("demo-\(name)")] }
        var lastBar = ""
        let result = try client.request("tools/call", params) { note in
            guard note["method"]?.string == "notifications/progress" else { return }
            let message = note["params"]?["message"]?.string ?? ""
            // A percentage only when the server knows one (it sends `total` then); else just the message.
            let bar = note["params"]?["total"] == nil ? message
                : Demo.bar(note["params"]?["progress"]?.double ?? 0) + " \(message)"
            if bar != lastBar { say("   \(bar)"); lastBar = bar }
        }
        let text = result["content"]?[0]?["text"]?.string ?? ""
        let structured = result["structuredContent"] ?? .null
        let isError = result["isError"]?.bool ?? false
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let summary = verbose ? text : lines.prefix(while: { !$0.hasPrefix("{") }).prefix(8).joined(separator: "\n")
        say((isError ? "✗ " : "← ") + (summary.isEmpty ? String(text.prefix(300)) : summary)
            .replacingOccurrences(of: "\n", with: "\n   "))
        if isError { throw DemoError("\(name) failed") }
        return structured
    }

    /// An expensive tool as a client without elicitation runs it: the preview
    /// (what would be created, and a one-time confirmation_token), then the same
    /// call with "confirm": <token> once the user agreed (here: the demo agrees).
    @discardableResult
    func confirmed(_ name: String, _ args: JSON, progress: Bool = false) throws -> JSON {
        let preview = try call(name, args)
        guard let token = preview["confirmation_token"]?.string else { return preview }
        return try call(name, merging(args, ["confirm": .string(token)]), progress: progress)
    }

    static func bar(_ percent: Double) -> String {
        let filled = max(0, min(20, Int((percent / 5).rounded())))
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: 20 - filled) + "] \(Int(percent))%"
    }
}
