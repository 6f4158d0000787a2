import Foundation
import KFJSON
import TrainerRules

/// What a TrainJob's trainer container runs, read from its structured spec, and how the
/// simulated run ends.
///
/// Success is never guessed from the command text. A run fails only when:
/// - the documented test hook asks for it: env `KFMCP_SIM_FAIL` on the trainer (from the
///   TrainJob, the runtime or a runtime patch): `1`/`true` fails at 40% of the steps, a
///   number N > 1 fails at step N, `start` fails before the first step; or
/// - the real frameworks would fail: Trainer v2.3.0 picks a torchtune config that torchtune
///   does not ship (e.g. several nodes for llama3_2/1B: `llama3_2/1B_full_multinode`); see
///   TrainerRules, which the planner reads too.
/// The kind of workload only shapes the logs (torchtune, TRL, Unsloth, torchrun, a
/// custom function's prints).
struct Workload: Sendable {
    enum Kind: Sendable, Equatable {
        case torchtune(recipe: String, config: String)
        case trl
        case unsloth
        case customFunction(FunctionOutput)
        case torchrun
        case mpi
        case container
    }

    static let failHook = "KFMCP_SIM_FAIL"

    let kind: Kind
    /// What the trainer's command, args and env say about the run (epochs, batch size, paths).
    let arguments: TrainerArguments
    /// The trainer posts its progress to the Trainer's status server (`update_trainjob_status`,
    /// the SDK's in-pod helper), which v2.3.0 turns into `status.trainerStatus` when the
    /// TrainJobStatus feature gate is on.
    let reportsProgress: Bool
    /// Packages the SDK's pip preamble installs before the user's code runs.
    let packages: [String]
    /// What the test hook asked for (raw, lower-cased; empty when not set).
    private let failHook: String
    let startFailure: [String]?

    init(trainJob: JSON, runtime: JSON, numNodes: Int, trainer: JSON) {
        let command = (trainer["command"]?.array ?? []).compactMap(\.string)
        let args = (trainer["args"]?.array ?? []).compactMap(\.string)
        let script = (command + args).joined(separator: " ")
        let framework = runtime["metadata"]?["labels"]?["trainer.kubeflow.org/framework"]?.string ?? ""
        let runtimeName = runtime["metadata"]?["name"]?.string ?? ""
        let runtimeNode = Workload.runtimeTrainerContainer(runtime)
        let runtimeLine = ((runtimeNode["command"]?.array ?? []) + (runtimeNode["args"]?.array ?? []))
            .compactMap(\.string).joined(separator: " ")
        arguments = TrainerArguments(texts: [runtimeLine, script], env: trainer["env"]?.array ?? [])
        reportsProgress = script.contains("update_trainjob_status")

        if Array(command.prefix(2)) == ["tune", "run"] || framework == "torchtune" {
            let model = BuiltinTrainerRules.modelKey(runtime: runtimeName) ?? ""
            let gpus = JobPlan.gpuCount(trainer["resources"])
            let method = BuiltinTrainerRules.method(args: args)
            let (recipe, config) = BuiltinTrainerRules.recipeAndConfig(model: model, numNodes: numNodes, gpus: gpus,
                                                                    method: method)
            kind = .torchtune(recipe: recipe, config: config)
            let fails = BuiltinTrainerRules.startFailure(runtime: runtimeName, numNodes: numNodes, gpus: gpus, method: method)
            startFailure = fails == nil ? nil : [
                "Traceback (most recent call last):",
                "  File \"/usr/local/bin/tune\", line 8, in <module>",
                "    sys.exit(main())",
                "  File \"/usr/local/lib/python3.11/site-packages/torchtune/_cli/run.py\", line 206, in _run_cmd",
                "    self._run_single_device(args, is_builtin=is_builtin)",
                "ValueError: Invalid config: \(config) is not a known torchtune config (\(fails ?? "")). Use `tune ls` "
                    + "to see the configs shipped with torchtune.",
            ]
        } else {
            startFailure = nil
            if script.contains("read -r -d '' SCRIPT") {
                kind = .customFunction(FunctionOutput(script: script, keywords: arguments.keywordArguments))
            } else if framework == "unsloth" || script.lowercased().contains("unsloth") {
                kind = .unsloth
            } else if framework == "trl" || script.contains("trl ") || script.contains("from trl") {
                kind = .trl
            } else if command.first == "mpirun" || runtime["spec"]?["mlPolicy"]?["mpi"] != nil {
                kind = .mpi
            } else if script.contains("torchrun") || runtime["spec"]?["mlPolicy"]?["torch"] != nil {
                kind = .torchrun
            } else {
                kind = .container
            }
        }
        packages = Workload.packageList(script)

        let env = (trainer["env"]?.array ?? []).filter { $0["name"]?.string == Workload.failHook }
        failHook = (env.last?["value"]?.string ?? "").lowercased()
    }

    /// nil: runs to the end. 0: fails before the first step. N: fails at step N of `total`.
    func failStep(total: Int) -> Int? {
        if startFailure != nil { return 0 }
        switch failHook {
        case "", "0", "false": return nil
        case "start": return 0
        case "1", "true", "yes": return max(1, total * 4 / 10)
        default: return Int(failHook).map { min(max($0, 1), total) }
        }
    }

    /// The runtime's own trainer container (before the TrainJob's overrides): its command carries
    /// defaults such as torchtune's `output_dir=/workspace/output`.
    static func runtimeTrainerContainer(_ runtime: JSON) -> JSON {
        let jobs = runtime["spec"]?["template"]?["spec"]?["replicatedJobs"]?.array ?? []
        let node = jobs.first { $0["name"]?.string == "node" }
            ?? jobs.first { $0["template"]?["metadata"]?["labels"]?["trainer.kubeflow.org/trainjob-ancestor-step"]?.string == "trainer" }
        let containers = node?["template"]?["spec"]?["template"]?["spec"]?["containers"]?.array ?? []
        return containers.first { $0["name"]?.string == "node" } ?? containers.first ?? [:]
    }

    /// `PACKAGES=(a 'b[c]')` from the SDK's pip preamble.
    static func packageList(_ script: String) -> [String] {
        guard let r = script.range(of: "PACKAGES=(") else { return [] }
        let inside = script[r.upperBound...].prefix { $0 != ")" }
        return inside.split(separator: " ").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) }
    }
}
