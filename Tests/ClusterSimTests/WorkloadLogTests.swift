import Foundation
import KFJSON
import Testing
@testable import ClusterSim

/// Simulated logs follow the job's own arguments and never print what the job did not say.
@Suite struct WorkloadLogTests {
    private let torchRuntime: JSON = ["metadata": ["name": "torch-distributed"], "spec": ["mlPolicy": ["torch": [:]]]]

    private func log(_ trainer: JSON, runtime: JSON? = nil) -> WorkloadLog {
        let workload = Workload(trainJob: [:], runtime: runtime ?? torchRuntime, numNodes: 1, trainer: trainer)
        return WorkloadLog(workload: workload, jobName: "j", totalSteps: 120, lossFloor: 0.4)
    }

    @Test func argumentsAreReadFromEveryFormTheToolsWrite() {
        let torchtune = TrainerArguments(texts: ["tune run full_finetune_distributed output_dir=/workspace/output",
                                                 "tune run batch_size=4 epochs=3 checkpointer.output_dir=/mnt/out"],
                                         env: [])
        #expect(torchtune.epochs == 3 && torchtune.batchSize == 4 && torchtune.outputDir == "/mnt/out")
        let trl = TrainerArguments(texts: ["bash -c trl sft --output_dir /ckpt --num_train_epochs 2 "
                                               + "--per_device_train_batch_size=16 --learning_rate 0.0002 "
                                               + "--resume_from_checkpoint /ckpt/checkpoint-40"], env: [])
        #expect(trl.epochs == 2 && trl.batchSize == 16 && trl.learningRate == 2e-4 && trl.outputDir == "/ckpt")
        #expect(trl.resumeFrom == "/ckpt/checkpoint-40")
        let unsloth = TrainerArguments(texts: ["OUTPUT_DIR = \"/workspace/out\"\nSFTConfig(output_dir=OUTPUT_DIR, "
                                                   + "per_device_train_batch_size=2, num_train_epochs=1)"], env: [])
        #expect(unsloth.outputDir == "/workspace/out" && unsloth.batchSize == 2 && unsloth.epochs == 1)
        let function = TrainerArguments(texts: ["def train_fn(learning_rate: float, epochs: int):\n"
                                                    + "    print(f\"lr={learning_rate} epochs={epochs}\")\n"
                                                    + "train_fn(**{'learning_rate': 0.001, 'epochs': 5})"], env: [])
        #expect(function.epochs == 5 && function.learningRate == 0.001)
        #expect(function.keywordArguments == ["learning_rate": "0.001", "epochs": "5"])
        let env = TrainerArguments(texts: ["python train.py --epochs 2"], env: [["name": "EPOCHS", "value": "7"]])
        #expect(env.epochs == 7)
        let nothing = TrainerArguments(texts: ["python train.py"], env: [])
        #expect(nothing == TrainerArguments(texts: [], env: []))
    }

    @Test func aCustomFunctionPrintsWhatItWouldNotItsSource() {
        let script = """
            read -r -d '' SCRIPT << EOM
            def train_fn(learning_rate: float, epochs: int, name: str):
                import torch.distributed as dist
                print("starting")
                print(f"rank={dist.get_rank()} of {dist.get_world_size()} lr={learning_rate} epochs={epochs} {name}")
                print(f"loss {loss:.3f}")
                print(f"lr {learning_rate:.1e}")
            train_fn(**{'learning_rate': 0.001, 'epochs': 5, 'name': 'run-a'})
            EOM
            """
        let workload = Workload(trainJob: [:], runtime: torchRuntime, numNodes: 2, trainer: ["command": ["bash", "-c", .string(script)]])
        guard case .customFunction(let output) = workload.kind else { Issue.record("not a custom function"); return }
        #expect(output.lines(rank: 1, worldSize: 8) == ["starting", "rank=1 of 8 lr=0.001 epochs=5 run-a", "lr 1.0e-03"])
        let lines = WorkloadLog(workload: workload, jobName: "j", totalSteps: 120, lossFloor: 0.4)
            .startLines(numNodes: 2, gpus: 4, rank: 0, image: "img")
        #expect(!lines.contains { $0.contains("{") || $0.contains("dist.get_rank") })
        #expect(lines.contains("rank=0 of 8 lr=0.001 epochs=5 run-a"))
    }

    @Test func stepAndEndLinesFollowTheArguments() {
        let known = log(["command": ["python", "train.py", "--epochs", "4", "--batch_size", "32", "--output_dir", "/mnt/ckpt"]])
        #expect(known.stepLine(10).hasPrefix("step 10/120 | epoch 1/4 | loss "))
        #expect(known.startLines(numNodes: 1, gpus: 1, rank: 0, image: "i").contains(
            "Loaded dataset: 52002 examples, 120 steps over 4 epochs, batch size 32"))
        #expect(known.endLines().last == "Saved checkpoint to /mnt/ckpt")

        let unknown = log(["image": "ghcr.io/me/train:1"])
        #expect(!unknown.stepLine(10).contains("epoch") && !unknown.stepLine(10).contains("lr "))
        #expect(unknown.endLines().allSatisfy { !$0.contains("checkpoint") })

        let trlRuntime: JSON = ["metadata": ["name": "torch-distributed", "labels": ["trainer.kubeflow.org/framework": "trl"]]]
        let trl = log(["command": ["bash", "-c", "trl sft --output_dir /out --num_train_epochs 2 --per_device_train_batch_size 4"]],
                      runtime: trlRuntime)
        let start = trl.startLines(numNodes: 1, gpus: 1, rank: 0, image: "i")
        #expect(start.contains { $0.hasSuffix("  Num Epochs = 2") } && start.contains { $0.hasSuffix("per device = 4") })
        #expect(trl.endLines().first?.hasSuffix("Saving model checkpoint to /out/checkpoint-120") == true)

        let tune = log(["command": ["tune", "run"], "args": ["epochs=2", "batch_size=8"]], runtime: [
            "metadata": ["name": "torchtune-llama3.2-1b"],
            "spec": ["template": ["spec": ["replicatedJobs": [["name": "node", "template": ["spec": ["template": ["spec": [
                "containers": [["name": "node", "command": ["tune", "run", "output_dir=/workspace/output",
                                                            "checkpointer.checkpoint_dir=/workspace/model"]]],
            ]]]]]]]]],
        ])
        let tuneStart = tune.startLines(numNodes: 1, gpus: 1, rank: 0, image: "i")
        #expect(tuneStart.contains("batch_size: 8") && tuneStart.contains("epochs: 2"))
        #expect(tuneStart.contains("  checkpoint_dir: /workspace/model"))
        #expect(tune.endLines().filter { $0.contains("saved to /workspace/output/epoch_") }.count == 2)
    }
}
