import Testing
import KFJSON
@testable import TrainerPlugin

/// Our TrainJob bodies against the Kubeflow SDK 0.5.0 goldens. Differences allowed:
/// none but secrets (valueFrom instead of inline values). Tests use the golden's
/// job name. The BuiltinTrainer's trainer section is built by the TorchTune
/// plugin (tested against the same goldens in TorchTuneTests); here it is taken
/// from the golden so everything around it is checked.
@Suite struct GoldenBodyTests {
    static let trainFn = """
        def train_fn(learning_rate: float, epochs: int):
            import torch.distributed as dist

            dist.init_process_group(backend="nccl")
            print(f"rank={dist.get_rank()} lr={learning_rate} epochs={epochs}")
            dist.destroy_process_group()

        """

    let torchtuneRuntime = RuntimeRef(kind: "ClusterTrainingRuntime", name: "torchtune-llama3.2-1b")

    @Test func a_builtinLoraWithHFToken() throws {
        var expected = try Goldens.postBody("a_builtin_torchtune_lora")
        var model = try InitializerSource.parse("hf://meta-llama/Llama-3.2-1B-Instruct", role: .model, field: "model")
        model.accessToken = SecretKeyRef(name: "hf-token", key: "token")
        let dataset = try InitializerSource.parse("hf://tatsu-lab/alpaca/data", role: .dataset, field: "dataset")
        let body = TrainJobBody(name: "mabcdef01234", runtime: torchtuneRuntime, trainer: expected["spec"]!["trainer"],
                                datasetInitializer: dataset, modelInitializer: model).build()
        let modelEnv = expected["spec"]!["initializer"]!["model"]!["env"]!
        expected["spec"]?["initializer"]?["model"]?["env"] = replacingSecretEnv(
            modelEnv, ["ACCESS_TOKEN": ("hf-token", "token")])
        #expect(firstDifference(body, expected) == nil, "\(firstDifference(body, expected) ?? "")")
    }

    /// The body builder still reproduces golden b; the torchtune backend refuses to send it
    /// (v2.3.0 denies two nodes for llama3_2/1B: TorchTuneTests, test_trainer_goldens DENIED).
    @Test func b_builtinFullTwoNodes() throws {
        let expected = try Goldens.postBody("b_builtin_torchtune_full_2nodes")
        let body = TrainJobBody(
            name: "mabcdef01234", runtime: torchtuneRuntime, trainer: expected["spec"]!["trainer"],
            datasetInitializer: try InitializerSource.parse("tatsu-lab/alpaca/data", role: .dataset, field: "dataset"),
            modelInitializer: try InitializerSource.parse("meta-llama/Llama-3.2-1B-Instruct", role: .model, field: "model")
        ).build()
        #expect(firstDifference(body, expected) == nil, "\(firstDifference(body, expected) ?? "")")
        // The resources part the trainer plugin hands to backends: same as the golden's.
        #expect(try ResourcesPerNode.build(["gpu": 2]) == expected["spec"]!["trainer"]!["resourcesPerNode"]!)
    }

    @Test func c_customTrainerFunctionByteForByte() throws {
        let expected = try Goldens.postBody("c_custom_trainer_func")
        let function = try TrainingFunction.parse(Self.trainFn, name: nil)
        #expect(function.name == "train_fn")
        let args = function.orderedArguments(["epochs": 5, "learning_rate": 0.001])
        let command = CustomTrainerCommand.build(
            entrypoint: .torchrun, function: function, arguments: args, funcFile: "golden_funcs.py",
            packages: ["transformers>=4.40", "datasets[audio]"], pipIndexURLs: CustomTrainerCommand.defaultPipIndexURLs)
        let trainer = CustomTrainerSection(numNodes: 2, resourcesPerNode: try ResourcesPerNode.build(["nvidia.com/gpu": 4]),
                                           command: command, env: [.value("NCCL_DEBUG", "INFO")])
        let body = TrainJobBody(name: "mabcdef01234",
                                runtime: RuntimeRef(kind: "ClusterTrainingRuntime", name: "torch-distributed"),
                                trainer: trainer.build()).build()
        let script = expected["spec"]!["trainer"]!["command"]![2]!.string!
        #expect(command[2] == script)
        #expect(firstDifference(body, expected) == nil, "\(firstDifference(body, expected) ?? "")")
    }

    @Test func d_customTrainerContainer() throws {
        let expected = try Goldens.postBody("d_custom_trainer_container")
        let trainer = CustomTrainerSection(resourcesPerNode: try ResourcesPerNode.build(["gpu": 4]),
                                           image: "ghcr.io/myorg/trainer:v1")
        let body = TrainJobBody(name: "mabcdef01234",
                                runtime: RuntimeRef(kind: "ClusterTrainingRuntime", name: "torch-distributed"),
                                trainer: trainer.build()).build()
        #expect(firstDifference(body, expected) == nil, "\(firstDifference(body, expected) ?? "")")
    }

    @Test func e_s3InitializersWithSecrets() throws {
        var expected = try Goldens.postBody("e_s3_initializers")
        var dataset = try InitializerSource.parse("s3://my-bucket/datasets/alpaca", role: .dataset, field: "dataset")
        let datasetOptions = try SourceOptions(["endpoint": "https://minio.example.com", "access_key_id": "AKIAEXAMPLE",
                                                "secret_access_key": "secretEXAMPLE", "region": "us-east-1"],
                                               field: "dataset_options")
        let pending = try datasetOptions.apply(to: &dataset, jobName: "mabcdef01234", field: "dataset_options")
        #expect(pending?.0 == "mabcdef01234-dataset-s3")
        #expect(pending?.1 == ["ACCESS_KEY_ID": "AKIAEXAMPLE", "SECRET_ACCESS_KEY": "secretEXAMPLE"])
        var model = try InitializerSource.parse("s3://my-bucket/models/llama-3.2-1b", role: .model, field: "model")
        _ = try SourceOptions(["endpoint": "https://minio.example.com", "role_arn": "arn:aws:iam::123456789012:role/trainer"],
                              field: "model_options").apply(to: &model, jobName: "mabcdef01234", field: "model_options")
        let body = TrainJobBody(name: "mabcdef01234", runtime: torchtuneRuntime, trainer: expected["spec"]!["trainer"],
                                datasetInitializer: dataset, modelInitializer: model).build()
        let datasetEnv = expected["spec"]!["initializer"]!["dataset"]!["env"]!
        expected["spec"]?["initializer"]?["dataset"]?["env"] = replacingSecretEnv(
            datasetEnv,
            ["ACCESS_KEY_ID": ("mabcdef01234-dataset-s3", "ACCESS_KEY_ID"),
             "SECRET_ACCESS_KEY": ("mabcdef01234-dataset-s3", "SECRET_ACCESS_KEY")])
        #expect(firstDifference(body, expected) == nil, "\(firstDifference(body, expected) ?? "")")
        #expect(!body.serialized().contains("secretEXAMPLE"))
    }

    /// The SDK's `HuggingFaceModelInitializer(storage_uri=..., ignore_patterns=None)` sends
    /// `env: []`; `ignore_patterns: null` in model_options asks for the same, `[]` sends it empty.
    @Test func ignorePatternsNullSendsNone() throws {
        var model = try InitializerSource.parse("org/m", role: .model, field: "model")
        #expect(model.json["env"]?[0]?["name"] == "IGNORE_PATTERNS")
        _ = try SourceOptions(["ignore_patterns": .null], field: "model_options").apply(to: &model, jobName: "j", field: "model_options")
        #expect(model.json == ["storageUri": "hf://org/m", "env": []])
        var empty = try InitializerSource.parse("org/m", role: .model, field: "model")
        _ = try SourceOptions(["ignore_patterns": []], field: "model_options").apply(to: &empty, jobName: "j", field: "model_options")
        #expect(empty.json["env"] == [["name": "IGNORE_PATTERNS", "value": ""]])
    }

    @Test func comparerSeesIntVersusDouble() {
        #expect(firstDifference(["gpu": 4.0], ["gpu": 4]) != nil)
        #expect(firstDifference(["a": [1, "x"]], ["a": [1, "x"]]) == nil)
    }

    @Test func runtimesParseAsTheSDKListsThem() throws {
        let runtimes = try Goldens.load("fake_cluster_runtimes").object!
        let info = RuntimeInfo(runtimes["torchtune-llama3.2-1b"]!)!
        #expect(info.trainerType == "BuiltinTrainer")
        #expect(info.device == "gpu")
        #expect(info.deviceCount == "2")
        #expect(info.pretrainedModel == "hf://meta-llama/Llama-3.2-1B-Instruct")
        #expect(RuntimeInfo(runtimes["torch-distributed"]!)!.entrypoint == .torchrun)
        #expect(RuntimeInfo(runtimes["deepspeed-distributed"]!)!.entrypoint == .mpi)
        #expect(RuntimeInfo(runtimes["deepspeed-distributed"]!)!.deviceCount == "1")
        #expect(RuntimeInfo(runtimes["jax-distributed"]!)!.entrypoint == .python)
        let torch = RuntimeInfo(runtimes["torch-distributed"]!)!
        let golden = try Goldens.load("g_get_job")["result"]!["runtime"]!["trainer"]!["command"]!
        #expect(JSON.array(torch.entrypoint.commandTemplate.map { .string($0) }) == golden)
    }
}
