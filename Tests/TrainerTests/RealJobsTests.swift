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

    /// jobset.go Validate: `spec.initializer.<role>` needs a `<role>-initializer` job whose
    /// container of that name mounts `initializer`; the stock runtimes as served.
    @Test func initializerStepsOfTheStockRuntimes() throws {
        let all = try Goldens.load("fake_cluster_runtimes").object!
        let torch = try #require(RuntimeInfo(all["torch-distributed"]!))
        #expect(torch.initializerDenials[.model] == "spec.runtimeRef: must have model-initializer job when trainJob is configured with input modelConfig")
        #expect(torch.initializerDenials[.dataset] == "spec.runtimeRef: must have dataset-initializer job when trainJob is configured with input datasetConfig")
        let torchtune = try #require(RuntimeInfo(all["torchtune-llama3.2-1b"]!))
        #expect(torchtune.initializerDenials.isEmpty)
        // The webhook's other two cases (jobset_test.go): no container of the step's name; no `initializer` mount.
        func jobs(_ container: JSON) -> [JSON] {
            [["name": "dataset-initializer", "template": ["spec": ["template": ["spec": ["containers": [container]]]]]]]
        }
        #expect(RuntimeInfo.initializerDenial(.dataset, jobs(["name": "other"]))
                == "spec.runtimeRef: must have container with name - dataset-initializer in the dataset-initializer job")
        #expect(RuntimeInfo.initializerDenial(.dataset, jobs(["name": "dataset-initializer", "volumeMounts": [["name": "x", "mountPath": "/w"]]]))
                == "spec.runtimeRef: must have volumeMount with name - initializer in container dataset-initializer of the dataset-initializer job")
        #expect(RuntimeInfo.initializerDenial(.dataset, jobs(["name": "dataset-initializer", "volumeMounts": [["name": "initializer", "mountPath": "/w"]]])) == nil)
    }

    /// jobset.go: a runtime patch names only the runtime's replicated jobs and their containers.
    @Test func podOptionsPatchOnlyWhatTheRuntimeHas() throws {
        func runtime(job: String, container: String) throws -> RuntimeInfo {
            try #require(RuntimeInfo([
                "kind": "TrainingRuntime",
                "metadata": ["name": "custom", "labels": ["trainer.kubeflow.org/framework": "torch"]],
                "spec": ["mlPolicy": ["torch": [:]], "template": ["spec": ["replicatedJobs": [
                    ["name": .string(job), "template": ["spec": ["template": ["spec": ["containers": [["name": .string(container)]]]]]]],
                ]]]],
            ]))
        }
        var pod = PodOptions()
        pod.nodeSelector = ["pool": "gpu"]
        #expect(try runtime(job: "node", container: "node").podOptionsDenial(pod) == nil)
        #expect(try runtime(job: "trainer", container: "node").podOptionsDenial(pod)
                == "spec.runtimePatches: must not have replicated job that doesn't exist in the runtime job template")
        #expect(try runtime(job: "node", container: "main").podOptionsDenial(pod) == nil)
        pod.volumeMounts = [["name": "v", "mountPath": "/v"]]
        #expect(try runtime(job: "node", container: "main").podOptionsDenial(pod)
                == "spec.runtimePatches: must not have container that doesn't exist in the runtime job node")
        #expect(try runtime(job: "node", container: "node").trainerEnvDenial([.value("PET_NNODES", "2")])
                == "spec.trainer.env: must not have reserved envs, invalid envs configured: [PET_NNODES]")
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
