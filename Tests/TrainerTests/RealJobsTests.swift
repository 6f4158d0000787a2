import Testing
import KFJSON
import PluginKit
@testable import TrainerPlugin

/// Pod options, defaults, progress speed and checkpoints: the pure parts.
@Suite struct RealJobsTests {
    @Test func podOptionsNestLikeTheSDKsRuntimePatch() throws {
        var pod = PodOptions()
        #expect(pod.runtimePatch == nil)
        pod.serviceAccountName = "trainer-sa"
        pod.volumeMounts = [["name": "out", "mountPath": "/workspace/output"]]
        let patch = try #require(pod.runtimePatch)
        #expect(patch["manager"] == "kubeflow-mcp.kubeflow.org/kubeflow-mcp")
        let job = try #require(patch["trainingRuntimeSpec"]?["template"]?["spec"]?["replicatedJobs"]?[0])
        #expect(job["name"] == "node")
        let spec = try #require(job["template"]?["spec"]?["template"]?["spec"])
        #expect(spec["serviceAccountName"] == "trainer-sa")
        #expect(spec["containers"]?[0]?["volumeMounts"]?[0]?["name"] == "out")
        // v2.3.0's webhook denies env in a patch of the node container: never sent there.
        #expect(spec["containers"]?[0]?["env"] == nil)
    }

    /// Where a download can happen: TrainerRules' jobset rule on the stock runtimes as served
    /// (its denial texts are the upstream cases in TrainerRulesTests).
    @Test func initializerStepsOfTheStockRuntimes() throws {
        let all = try Goldens.load("fake_cluster_runtimes").object!
        let torch = try #require(RuntimeInfo(all["torch-distributed"]!))
        #expect(!torch.servesInitializer(.model) && !torch.servesInitializer(.dataset))
        let torchtune = try #require(RuntimeInfo(all["torchtune-llama3.2-1b"]!))
        #expect(torchtune.servesInitializer(.model) && torchtune.servesInitializer(.dataset))
    }

    /// The exact TrainJob goes through the webhook's rules before it is sent: a denial is
    /// refused in kube-apiserver's words, naming the argument and the fix.
    @Test func deniedTrainJobsAreRefusedWithTheWebhooksWords() throws {
        func runtime(job: String, container: String) throws -> RuntimeInfo {
            try #require(RuntimeInfo([
                "kind": "TrainingRuntime",
                "metadata": ["name": "custom", "labels": ["trainer.kubeflow.org/framework": "torch"]],
                "spec": ["mlPolicy": ["torch": [:]], "template": ["spec": ["replicatedJobs": [
                    ["name": .string(job), "template": ["spec": ["template": ["spec": ["containers": [["name": .string(container)]]]]]]],
                ]]]],
            ]))
        }
        func job(_ runtime: RuntimeInfo, pod: PodOptions = PodOptions(), env: [EnvVar] = []) -> JSON {
            var body = TrainJobBody(name: "j", runtime: runtime.ref,
                                    trainer: CustomTrainerSection(command: ["python"], env: env).build())
            body.runtimePatches = pod.runtimePatch.map { [$0] } ?? []
            return body.build()
        }
        var pod = PodOptions()
        pod.nodeSelector = ["pool": "gpu"]
        let node = try runtime(job: "node", container: "node")
        try TrainerAPI.checkAdmitted(job(node, pod: pod), runtime: node)
        let trainer = try runtime(job: "trainer", container: "node")
        let denied = #expect(throws: ToolError.self) { try TrainerAPI.checkAdmitted(job(trainer, pod: pod), runtime: trainer) }
        #expect(denied?.field == "runtime")
        #expect(denied?.message.contains(#"(admission webhook "validator.trainjob.trainer.kubeflow.org" denied the request: spec.runtimePatches: Invalid value: "#) == true)
        #expect(denied?.message.contains("must not have replicated job that doesn't exist in the runtime job template); nothing was created. Fix: ") == true)
        pod.volumeMounts = [["name": "v", "mountPath": "/v"]]
        let main = try runtime(job: "node", container: "main")
        #expect((#expect(throws: ToolError.self) { try TrainerAPI.checkAdmitted(job(main, pod: pod), runtime: main) })?.field == "volume_mounts")
        let env = #expect(throws: ToolError.self) { try TrainerAPI.checkAdmitted(job(node, env: [.value("PET_NNODES", "2")]), runtime: node) }
        #expect(env?.field == "env")
        #expect(env?.message.contains("must not have reserved envs, invalid envs configured: [PET_NNODES]") == true)
    }

    /// run_custom_training on a runtime without initializer steps: the script fetches the sources.
    @Test func hubDownloadFetchesWhereTheInitializersWould() throws {
        var model = try InitializerSource.parse("Qwen/Qwen2.5-1.5B-Instruct", role: .model, field: "model")
        model.ignorePatterns = ["*.bin"]
        let dataset = try InitializerSource.parse("hf://tatsu-lab/alpaca/data", role: .dataset, field: "dataset")
        #expect(HubDownload.script([]) == "")
        #expect(HubDownload.script([model, dataset]) == """
            echo 'Downloading hf://Qwen/Qwen2.5-1.5B-Instruct to /workspace/model'
            python -c 'from huggingface_hub import snapshot_download; snapshot_download(repo_id="Qwen/Qwen2.5-1.5B-Instruct", repo_type="model", local_dir="/workspace/model", ignore_patterns=["*.bin"])' || exit 1
            echo 'Downloading hf://tatsu-lab/alpaca/data to /workspace/dataset'
            python -c 'from huggingface_hub import snapshot_download; snapshot_download(repo_id="tatsu-lab/alpaca", repo_type="dataset", local_dir="/workspace/dataset", allow_patterns=["data", "data/*"])' || exit 1

            """)
        // A quote in a repo id stays inside the Python literal and the shell word.
        let odd = try InitializerSource.parse("o'rg/m\"x", role: .model, field: "model")
        #expect(HubDownload.script([odd]).contains(#"repo_id="o'"'"'rg/m\"x""#))
        // Command substitution stays a literal: the whole Python code is one single-quoted word.
        let sub = try InitializerSource.parse("org/$(id)`id`", role: .dataset, field: "dataset")
        #expect(HubDownload.script([sub]).contains(#"python -c 'from huggingface_hub import snapshot_download; snapshot_download(repo_id="org/$(id)`id`", repo_type="dataset""#))
    }

    @Test(arguments: [
        (JSON.array([["key": "k", "operator": "Maybe"]]), "tolerations[0].operator"),
        (JSON.array([["operator": "Equal"]]), "Exists"),
        (JSON.array([["key": "k", "operator": "Exists", "value": "v"]]), "value must be empty"),
        (JSON.string("x"), "must be a list"),
    ])
    func tolerationShapes(value: JSON, needle: String) {
        do {
            _ = try PodSpecShapes.tolerations(value)
            Issue.record("accepted \(value)")
        } catch let error as ToolError {
            #expect(error.message.contains(needle), "\(error.message)")
            #expect(error.field == "tolerations")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func volumesAndPullSecrets() throws {
        #expect(throws: ToolError.self) { try PodSpecShapes.volumes([["name": "h", "hostPath": ["path": "/"]]]) }
        #expect(throws: ToolError.self) { try PodSpecShapes.volumeMounts([["name": "v", "mountPath": "rel"]]) }
        #expect(try PodSpecShapes.imagePullSecrets(["regcred", ["name": "other"]]) == [["name": "regcred"], ["name": "other"]])
        #expect(try PodSpecShapes.nodeSelector(["nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB"]).count == 1)
        #expect(throws: ToolError.self) { try PodSpecShapes.nodeSelector(["/bad": "x"]) }
    }

    @Test func methodsAndDefaults() throws {
        #expect(try FineTuneMethod.parse("none") == "full")
        #expect(try FineTuneMethod.parse(nil) == "lora")
        #expect(throws: ToolError.self) { try FineTuneMethod.parse("dora") }
        let (filled, applied) = FineTuneDefaults.apply(to: ["epochs": .null, "lora_rank": 8], method: "lora")
        #expect(applied == ["batch_size": 4, "lora_alpha": 32])
        #expect(filled["epochs"] == .null && filled["lora_rank"] == 8 && filled["peft_method"] == "lora")
        #expect(FineTuneDefaults.apply(to: [:], method: "full").applied == ["epochs": 3, "batch_size": 4])
    }

    @Test func progressSpeedFromLogsAndStatus() throws {
        let p = try #require(TrainingProgress.fromLogs(["step 10/120 | epoch 1/3 | loss 1.234 | lr 2e-05 | tokens/s 3150"]))
        #expect(p.throughput == 3150 && p.throughputUnit == "tokens/s")
        let tqdm = try #require(TrainingProgress.parse("1|12|Loss: 1.5: 10%|█ | 12/120 [00:10<01:30, 1.21it/s]"))
        #expect(tqdm.throughput == 1.21 && tqdm.throughputUnit == "it/s")
        let status = try #require(TrainingProgress.fromTrainerStatus([
            "progressPercentage": 50, "metrics": [["name": "step", "value": "60/120"], ["name": "train_samples_per_second", "value": "12.5"]],
        ]))
        #expect(status.step == 60 && status.totalSteps == 120 && status.throughput == 12.5)
        let merged = status.filling(from: p)
        #expect(merged.epoch == 1 && merged.step == 60 && merged.throughput == 12.5)
    }

    @Test func checkpointsFromLogsWithTheirVolume() throws {
        let found = Checkpoint.fromLogs([
            "Saving model checkpoint to /mnt/ckpt/checkpoint-500",
            "INFO: Model checkpoint of size 2.47 GB saved to /mnt/ckpt/epoch_0/model.safetensors",
            "Saved checkpoint to /workspace/output",
            "loss 1.2 saved nothing",
            "Saving model checkpoint to /x/../../etc",
        ])
        #expect(found.map(\.path) == ["/mnt/ckpt/checkpoint-500", "/mnt/ckpt/epoch_0/model.safetensors", "/workspace/output"])
        #expect(found[0].step == 500 && found[1].epoch == 0)
        let job: JSON = ["spec": ["runtimePatches": [["manager": "m", "trainingRuntimeSpec": ["template": ["spec": ["replicatedJobs": [
            ["name": "node", "template": ["spec": ["template": ["spec": [
                "volumes": [["name": "ckpt", "persistentVolumeClaim": ["claimName": "ckpt-pvc"]]],
                "containers": [["name": "node", "volumeMounts": [["name": "ckpt", "mountPath": "/mnt/ckpt"]]]],
            ]]]]],
        ]]]]]]]]
        let storage = try #require(Checkpoint.storage(of: found[0].path, podSpec: Checkpoint.patchedPodSpec(job)))
        #expect(storage.claimName == "ckpt-pvc" && storage.persistent)
        #expect(Checkpoint.storage(of: "/workspace/output", podSpec: Checkpoint.patchedPodSpec(job)) == nil)
        #expect(Checkpoint.fromTrainerStatus(["metrics": [["name": "last_checkpoint", "value": "/mnt/ckpt/checkpoint-9"]]]).first?.step == 9)
    }
}
