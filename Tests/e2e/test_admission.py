"""Every object-creating tool sends only what a stock Kubeflow Trainer v2.3.0 cluster admits
(issue 23), end to end: the built server with every default plugin and the third-party C
backend, a real MCP client, a standalone simulator (the stock runtimes), kubectl to read back.

Each call is made with realistic arguments (every backend × method, pod options, initializers,
Secret-fed env, experiments of each trial tool) and confirmed; then every TrainJob in the
cluster (the trials' too) is checked against the v2.3.0 webhook's rules (trainjob_admission).
The simulator creates only what its admission admits, so once it enforces the ported rules
(TrainerRules) "created" means "admitted by the ported rules"; the Python check says the same
from the upstream source in the meantime. What the webhook would deny, the tools refuse,
quoting its reason (the SDK's own denied shapes are checked to be denied by the checker)."""
import json
import subprocess
from pathlib import Path

import pytest

from conftest import StandaloneSim
from mcp_client import run
from test_backends import backends_server
from trainer_support import golden_post_body, torch_runtime_with_initializers
from trainjob_admission import denials

WEBHOOK = 'admission webhook "validator.trainjob.trainer.kubeflow.org" denied the request: '
FAST = "400"

HF_TOKEN = "hf_" + "a" * 34
TRAIN_FN = "def train(learning_rate: float = 1e-4, epochs: int = 1):\n    print(f'loss={learning_rate * epochs}')\n"
POD = {"node_selector": {"nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB"},
       "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
       "service_account_name": "default",
       "volumes": [{"name": "ckpt", "persistentVolumeClaim": {"claimName": "ckpt-pvc"}}],
       "volume_mounts": [{"name": "ckpt", "mountPath": "/workspace/output"}]}
S3 = {"endpoint": "https://minio.example.com", "region": "us-east-1",
      "access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"}
SECRET_ENV = {"WANDB_API_KEY": {"secret": "wandb", "key": "api-key"}, "LOG_LEVEL": "info"}
LLAMA_1B = "meta-llama/Llama-3.2-1B-Instruct"
LLAMA_3B = "meta-llama/Llama-3.2-3B-Instruct"
QWEN = "Qwen/Qwen2.5-1.5B-Instruct"
ALPACA = "tatsu-lab/alpaca"

# (tool, arguments): each must be created, and admitted.
CALLS = [
    # torchtune: every method on every stock model it admits, GPUs as the recipe needs.
    *[("fine_tune", {"backend": "torchtune", "model": m, "dataset": ALPACA, "peft_method": p})
      for m in (LLAMA_1B, LLAMA_3B) for p in ("lora", "qlora", "full")],
    *[("fine_tune", {"backend": "torchtune", "model": QWEN, "dataset": ALPACA, "peft_method": p}) for p in ("lora", "full")],
    ("fine_tune", {"backend": "torchtune", "model": LLAMA_1B, "dataset": "tatsu-lab/alpaca/data", "peft_method": "qlora",
                   "gpus_per_node": 1, "hf_token": HF_TOKEN, "dataset_format": "parquet", **POD}),
    ("fine_tune", {"backend": "torchtune", "model": "s3://bucket/models/llama-3.2-1b", "dataset": "s3://bucket/alpaca",
                   "runtime": "torchtune-llama3.2-1b", "peft_method": "full", "model_options": S3,
                   "dataset_options": {**S3, "ignore_patterns": None}}),
    ("fine_tune", {"backend": "torchtune", "model": LLAMA_1B, "dataset": ALPACA, "peft_method": "lora",
                   "resume_from_checkpoint": "/workspace/output", "output_dir": "/workspace/output", **POD}),
    # The custom-trainer backends on stock torch-distributed: model and dataset fetched in the pod.
    *[("fine_tune", {"backend": b, "model": QWEN, "dataset": ALPACA, "peft_method": p, "hf_token_secret": "hf-token"})
      for b in ("trl", "unsloth", "llamafactory") for p in ("lora", "qlora")],
    # No backend named, no torchtune runtime for the model: another backend takes it (output_dir too).
    ("fine_tune", {"model": "Qwen/Qwen2.5-7B-Instruct", "dataset": ALPACA, "output_dir": "/mnt/out"}),
    ("fine_tune", {"backend": "llamafactory", "model": QWEN, "dataset": ALPACA, "peft_method": "full"}),
    ("fine_tune", {"backend": "trl", "model": QWEN, "dataset": ALPACA, "peft_method": "full", "num_nodes": 2,
                   "gpus_per_node": 2, **POD}),
    ("fine_tune", {"backend": "trl", "model": QWEN, "dataset": ALPACA, "peft_method": "lora",
                   "backend_options": {"trainer_type": "dpo", "beta": 0.1}, "resume_from_checkpoint": "/workspace/output"}),
    # Custom training: plain, Secret-fed env, pod options, several nodes, initializers where the runtime has them.
    ("run_custom_training", {"func": TRAIN_FN, "func_args": {"learning_rate": 0.01}, "num_nodes": 2, "gpus_per_node": 2,
                             "packages_to_install": ["transformers"], "env": SECRET_ENV, **POD}),
    ("run_custom_training", {"func": TRAIN_FN, "resume_from_checkpoint": "/workspace/output", "env": {"A": "1"}}),
    ("run_custom_training", {"func": TRAIN_FN, "model": QWEN, "dataset": "tatsu-lab/alpaca/data",
                             "hf_token_secret": "hf-token", "model_options": {"ignore_patterns": ["*.bin"]}}),
    ("run_custom_training", {"func": TRAIN_FN, "runtime": "torch-with-initializers", "model": QWEN,
                             "dataset": "s3://bucket/data", "dataset_options": S3, "hf_token_secret": "hf-token"}),
    # Containers: image, the runtime's own trainer, initializers where the runtime has them.
    ("run_container_job", {"image": "ghcr.io/myorg/trainer:v1", "command": ["python", "train.py"], "args": ["--lr=0.1"],
                           "env": SECRET_ENV, "gpus_per_node": 1, **POD}),
    ("run_container_job", {"runtime": "torch-distributed"}),
    ("run_container_job", {"image": "ghcr.io/myorg/trainer:v1", "runtime": "torch-with-initializers",
                           "model": "s3://bucket/models/m", "model_options": {**S3, "ignore_patterns": None}}),
]

# Experiments of each trial tool: every trial TrainJob is checked too.
EXPERIMENTS = [
    {"tool": "run_custom_training", "arguments": {"func": TRAIN_FN, "env": SECRET_ENV, "gpus_per_node": 1},
     "search_space": {"learning_rate": {"loguniform": [1e-5, 1e-2]}}},
    {"tool": "run_container_job", "arguments": {"image": "ghcr.io/myorg/trainer:v1", "args": ["--lr=${trialParameters.lr}"],
                                                "env": SECRET_ENV}, "search_space": {"lr": {"uniform": [0.001, 0.1]}}},
    {"tool": "fine_tune", "arguments": {"backend": "torchtune", "model": LLAMA_1B, "dataset": ALPACA, "peft_method": "qlora"},
     "search_space": {"lora_rank": {"choice": [8, 16]}}},
    {"tool": "fine_tune", "arguments": {"backend": "trl", "model": QWEN, "dataset": ALPACA, "peft_method": "lora",
                                        "hf_token_secret": "hf-token"},
     "search_space": {"learning_rate": {"loguniform": [1e-5, 1e-3]}}},
]

# What the webhook denies: refused before anything is sent, with its reason. (tool, arguments, reason)
REFUSED = [
    ("fine_tune", {"backend": "torchtune", "model": QWEN, "dataset": ALPACA, "peft_method": "qlora"},
     "spec.runtimeRef.name: QLoRA is not supported for qwen2_5/1.5B model"),
    ("fine_tune", {"backend": "torchtune", "model": LLAMA_1B, "dataset": ALPACA, "peft_method": "qlora", "gpus_per_node": 2},
     "spec.trainer.resourcesPerNode: must have gpu resource with value 1 for llama3_2/1B model when using QLoRA"),
    ("fine_tune", {"backend": "torchtune", "model": LLAMA_1B, "dataset": ALPACA, "peft_method": "full", "num_nodes": 2},
     "spec.trainer.numNodes: must be 1 for llama3_2/1B model"),
    ("fine_tune", {"backend": "torchtune", "model": LLAMA_1B, "dataset": ALPACA, "resume_from_checkpoint": "/mnt/ckpt"},
     'must not set immutable config "checkpointer.checkpoint_dir" in trainer args'),
    ("fine_tune", {"backend": "torchtune", "model": LLAMA_1B, "dataset": ALPACA, "output_dir": "/mnt/out"},
     'must not set immutable config "output_dir" in trainer args'),
    ("fine_tune", {"backend": "trl", "model": QWEN, "dataset": "s3://bucket/data", "runtime": "torch-distributed"},
     "s3:// URI"),
    ("run_custom_training", {"func": TRAIN_FN, "model": "s3://bucket/models/m"},
     "spec.runtimeRef: must have model-initializer job when trainJob is configured with input modelConfig"),
    ("run_custom_training", {"func": TRAIN_FN, "env": {"PET_NNODES": "4", "PET_MASTER_PORT": "1"}},
     "spec.trainer.env: must not have reserved envs, invalid envs configured: [PET_MASTER_PORT PET_NNODES]"),
    ("run_container_job", {"image": "ghcr.io/myorg/trainer:v1", "dataset": ALPACA},
     "spec.runtimeRef: must have dataset-initializer job when trainJob is configured with input datasetConfig"),
]


class Cluster:
    """kubectl against the standalone simulator."""

    def __init__(self, sim: StandaloneSim):
        self.kubeconfig = str(sim.kubeconfig)

    def kubectl(self, *args: str) -> str:
        return subprocess.run(["kubectl", "--kubeconfig", self.kubeconfig, *args],
                              check=True, capture_output=True, text=True).stdout

    def get(self, *what: str) -> dict:
        out = subprocess.run(["kubectl", "--kubeconfig", self.kubeconfig, "get", *what, "-o", "json"],
                             check=True, capture_output=True, text=True)
        return json.loads(out.stdout)

    def runtime(self, ref: dict, namespace: str) -> dict | None:
        kind = ref.get("kind", "ClusterTrainingRuntime")
        items = self.get("clustertrainingruntimes.trainer.kubeflow.org")["items"] if kind == "ClusterTrainingRuntime" \
            else self.get("trainingruntimes.trainer.kubeflow.org", "-n", namespace)["items"]
        return next((r for r in items if r["metadata"]["name"] == ref["name"]), None)

    def denied(self) -> dict[str, list[str]]:
        """Every TrainJob in the cluster with the webhook's reasons to deny it (none: admitted)."""
        jobs = self.get("trainjobs.trainer.kubeflow.org", "--all-namespaces")["items"]
        assert jobs
        verdicts = {j["metadata"]["name"]: denials(j, self.runtime(j["spec"]["runtimeRef"], j["metadata"]["namespace"]))
                    for j in jobs}
        return {name: reasons for name, reasons in verdicts.items() if reasons}


def server(tmp_path: Path, sim: StandaloneSim):
    return backends_server(tmp_path, "--kubeconfig", str(sim.kubeconfig))


@pytest.fixture
def sim(tmp_path):
    s = StandaloneSim(tmp_path, "--time-scale", FAST)
    yield s
    s.stop()


def test_the_checker_denies_what_the_sdk_sends_and_v2_3_0_denies():
    """The SDK 0.5.0 bodies a v2.3.0 cluster denies (issue 23) are denied by the checker, the others not."""
    runtimes = json.loads((Path(__file__).parent.parent / "Fixtures" / "sdk-reference" / "fake_cluster_runtimes.json").read_text())
    expected = {
        "b_builtin_torchtune_full_2nodes": ["spec.trainer.numNodes: must be 1 for llama3_2/1B model"],
        "e2_s3_model_container": ["spec.runtimeRef: must have model-initializer job when trainJob is configured with input modelConfig"],
        "d2_container_pod_options": ["spec.runtimePatches: must not have envs for the dataset-initializer, model-initializer, node containers"],
    }
    for case in ["a_builtin_torchtune_lora", "c_custom_trainer_func", "d_custom_trainer_container", "d3_container_volumes",
                 "e_s3_initializers", "f_runtime_only", "i_torchtune_instruct_dataset", *expected]:
        body = golden_post_body(case)
        assert denials(body, runtimes[body["spec"]["runtimeRef"]["name"]]) == expected.get(case, []), case
    qlora = golden_post_body("a_builtin_torchtune_lora")
    qlora["spec"]["trainer"]["args"].append("model.quantize_base=True")
    assert denials(qlora, runtimes["torchtune-llama3.2-1b"]) == [
        "spec.trainer.numProcPerNode: must be auto or 1 for llama3_2/1B model when using QLoRA",
        "spec.trainer.resourcesPerNode: must have gpu resource with value 1 for llama3_2/1B model when using QLoRA"]
    assert denials(qlora, None) == ["spec.runtimeRef: specified trainingRuntime must be created before the TrainJob is created"]


def test_every_tool_sends_only_admitted_trainjobs(tmp_path, sim):
    cluster = Cluster(sim)

    cluster.kubectl("create", "secret", "generic", "wandb", "--from-literal=api-key=x")

    async def body():
        async with server(tmp_path, sim) as mcp:
            await mcp.ok("setup_hf_credentials", {"token": HF_TOKEN})
            await mcp.create("create_training_runtime", {"manifest": torch_runtime_with_initializers()})
            for i, (tool, args) in enumerate(CALLS):
                created = await mcp.create(tool, {**args, "name": f"adm-{i}"})
                assert created["created"] is True, (tool, args, created)
            for i, experiment in enumerate(EXPERIMENTS):
                made = await mcp.create("create_experiment", {
                    "name": f"adm-exp-{i}", "trial_template": {"tool": experiment["tool"], "arguments": experiment["arguments"]},
                    "search_space": experiment["search_space"], "num_trials": 2, "parallel_trials": 2,
                    "objectives": [{"metric": "loss", "direction": "minimize"}]})
                assert made["created"] is True
            for i, _ in enumerate(EXPERIMENTS):
                async def trial_jobs(name=f"adm-exp-{i}"):
                    trials = (await mcp.ok("get_experiment_trials", {"name": name}))["trials"]
                    return [t for t in trials if t.get("job_id")] or None
                await mcp.until(f"a trial TrainJob of adm-exp-{i}", trial_jobs, timeout=120)
            for tool, args, reason in REFUSED:
                text = await mcp.error(tool, {**args, "name": "refused"})
                assert reason in text, (tool, args, text)
                if reason.startswith("spec.") or "immutable" in reason:
                    assert WEBHOOK in text and "Fix: " in text, text
    run(body)

    assert cluster.denied() == {}
    names = {j["metadata"]["name"] for j in cluster.get("trainjobs.trainer.kubeflow.org")["items"]}
    assert {f"adm-{i}" for i in range(len(CALLS))} <= names and "refused" not in names
    # Every experiment ran trials: TrainJobs beyond the direct calls.
    assert len(names) >= len(CALLS) + len(EXPERIMENTS)


def test_s3_secrets_go_with_their_trainjob(tmp_path, sim):
    cluster = Cluster(sim)

    async def body():
        async with server(tmp_path, sim) as mcp:
            await mcp.create("fine_tune", {"backend": "torchtune", "model": "s3://bucket/models/m", "dataset": "s3://bucket/d",
                                           "runtime": "torchtune-llama3.2-1b", "peft_method": "full", "name": "owned",
                                           "model_options": {**S3, "ignore_patterns": None}, "dataset_options": S3})
            job = cluster.get("trainjobs.trainer.kubeflow.org", "owned")
            # ignore_patterns null: the SDK's ignore_patterns=None, so no IGNORE_PATTERNS (else the SDK's default).
            model_env = [e["name"] for e in job["spec"]["initializer"]["model"]["env"]]
            assert model_env == ["ENDPOINT", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "REGION"], model_env
            for role in ("model", "dataset"):
                secret = cluster.get("secret", f"owned-{role}-s3")
                assert secret["metadata"]["ownerReferences"] == [{
                    "apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "TrainJob", "name": "owned",
                    "uid": job["metadata"]["uid"]}]
            assert denials(job, cluster.runtime(job["spec"]["runtimeRef"], "default")) == []
            await mcp.create("delete_job", {"job_id": "owned"})
    run(body)
    left = {s["metadata"]["name"] for s in cluster.get("secrets")["items"]}
    assert not {"owned-model-s3", "owned-dataset-s3"} & left, left
