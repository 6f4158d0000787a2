"""Every object-creating tool sends only what a stock Kubeflow Trainer v2.3.0 cluster admits
(issue 23), end to end: the built server with every default plugin and the third-party C
backend, a real MCP client, a standalone simulator (the stock runtimes), kubectl to read back.

Each call is made with realistic arguments (every backend × method, pod options, initializers,
Secret-fed env, experiments of each trial tool) and confirmed. The simulator runs the ported
v2.3.0 webhook (TrainerRules) in front of every create and answers a denial with 403, so a
TrainJob that exists was admitted by those rules; each stored TrainJob (the trials' too) is
then sent again as a server-side dry-run create under a fresh name, which the same admission
must pass. What the webhook would deny, the tools refuse before sending, quoting its reason;
and the SDK's own shapes a v2.3.0 cluster denies get 403 from the simulator with its text."""
import json
import subprocess
from pathlib import Path

import pytest

from conftest import StandaloneSim
from mcp_client import run
from test_backends import backends_server
from trainer_support import golden_post_body, torch_runtime_with_initializers

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

# What the webhook denies: refused before anything is sent, with its reason as kube-apiserver
# words it ("<field>: Invalid value: <value>: <detail>"), the argument at fault and the fix.
# (tool, arguments, field path, detail, argument); a field path of None is a backend's own refusal.
REFUSED = [
    ("fine_tune", {"backend": "torchtune", "model": QWEN, "dataset": ALPACA, "peft_method": "qlora"},
     "spec.runtimeRef.name", "QLoRA is not supported for qwen2_5/1.5B model", "peft_method"),
    ("fine_tune", {"backend": "torchtune", "model": LLAMA_1B, "dataset": ALPACA, "peft_method": "qlora", "gpus_per_node": 2},
     "spec.trainer.resourcesPerNode", "must have gpu resource with value 1 for llama3_2/1B model when using QLoRA",
     "resources_per_node"),
    ("fine_tune", {"backend": "torchtune", "model": LLAMA_1B, "dataset": ALPACA, "peft_method": "full", "num_nodes": 2},
     "spec.trainer.numNodes", "must be 1 for llama3_2/1B model", "num_nodes"),
    ("fine_tune", {"backend": "torchtune", "model": LLAMA_1B, "dataset": ALPACA, "resume_from_checkpoint": "/mnt/ckpt"},
     "spec.trainer.args[6]", 'must not set immutable config "checkpointer.checkpoint_dir" in trainer args', "resume_from_checkpoint"),
    ("fine_tune", {"backend": "torchtune", "model": LLAMA_1B, "dataset": ALPACA, "output_dir": "/mnt/out"},
     "spec.trainer.args[6]", 'must not set immutable config "output_dir" in trainer args', "output_dir"),
    ("fine_tune", {"backend": "trl", "model": QWEN, "dataset": "s3://bucket/data", "runtime": "torch-distributed"},
     None, "s3:// URI", "dataset"),
    ("run_custom_training", {"func": TRAIN_FN, "model": "s3://bucket/models/m"},
     "spec.runtimeRef", "must have model-initializer job when trainJob is configured with input modelConfig", "model"),
    ("run_custom_training", {"func": TRAIN_FN, "env": {"PET_NNODES": "4", "PET_MASTER_PORT": "1"}},
     "spec.trainer.env", "must not have reserved envs, invalid envs configured: [PET_MASTER_PORT PET_NNODES]", "env"),
    ("run_container_job", {"image": "ghcr.io/myorg/trainer:v1", "dataset": ALPACA},
     "spec.runtimeRef", "must have dataset-initializer job when trainJob is configured with input datasetConfig", "dataset"),
]


class Cluster:
    """kubectl against the standalone simulator."""

    def __init__(self, sim: StandaloneSim):
        self.kubeconfig = str(sim.kubeconfig)

    def kubectl(self, *args: str) -> str:
        return subprocess.run(["kubectl", "--kubeconfig", self.kubeconfig, *args],
                              check=True, capture_output=True, text=True).stdout

    def dry_run_create(self, trainjob: dict) -> subprocess.CompletedProcess:
        """`kubectl create --dry-run=server` of the TrainJob under a fresh name: the simulator's
        admission (the ported v2.3.0 webhook) judges it and stores nothing."""
        metadata = trainjob["metadata"]
        fresh = {"apiVersion": trainjob["apiVersion"], "kind": trainjob["kind"], "spec": trainjob["spec"],
                 "metadata": {"name": "readmit-" + metadata["name"], "namespace": metadata.get("namespace", "default"),
                              **{k: metadata[k] for k in ("labels", "annotations") if k in metadata}}}
        return subprocess.run(["kubectl", "--kubeconfig", self.kubeconfig, "create", "--dry-run=server", "-o", "name", "-f", "-"],
                              input=json.dumps(fresh), capture_output=True, text=True)

    def get(self, *what: str) -> dict:
        out = subprocess.run(["kubectl", "--kubeconfig", self.kubeconfig, "get", *what, "-o", "json"],
                             check=True, capture_output=True, text=True)
        return json.loads(out.stdout)

    def denied(self) -> dict[str, str]:
        """Every TrainJob in the cluster whose server-side dry-run re-create is not admitted, with
        the simulator's answer (none: each one passes the ported rules again)."""
        jobs = self.get("trainjobs.trainer.kubeflow.org", "--all-namespaces")["items"]
        assert jobs
        answers = {j["metadata"]["name"]: self.dry_run_create(j) for j in jobs}
        return {name: a.stderr for name, a in answers.items() if a.returncode != 0}


def server(tmp_path: Path, sim: StandaloneSim):
    return backends_server(tmp_path, "--kubeconfig", str(sim.kubeconfig))


@pytest.fixture
def sim(tmp_path):
    s = StandaloneSim(tmp_path, "--time-scale", FAST)
    yield s
    s.stop()


def test_the_simulator_denies_what_the_sdk_sends_and_v2_3_0_denies(sim):
    """The SDK 0.5.0 bodies a v2.3.0 cluster denies (issue 23) get 403 from the simulator with the
    webhook's text; the others are admitted (server-side dry run: nothing is stored)."""
    cluster = Cluster(sim)
    expected = {
        "b_builtin_torchtune_full_2nodes": "spec.trainer.numNodes: Invalid value: 2: must be 1 for llama3_2/1B model",
        "e2_s3_model_container": "spec.runtimeRef: Invalid value: ",
        "d2_container_pod_options": "spec.runtimePatches: Invalid value: ",
    }
    details = {"e2_s3_model_container": "must have model-initializer job when trainJob is configured with input modelConfig",
               "d2_container_pod_options": "must not have envs for the dataset-initializer, model-initializer, node containers"}
    for case in ["a_builtin_torchtune_lora", "c_custom_trainer_func", "d_custom_trainer_container", "d3_container_volumes",
                 "e_s3_initializers", "f_runtime_only", "i_torchtune_instruct_dataset", *expected]:
        answer = cluster.dry_run_create(golden_post_body(case))
        if case not in expected:
            assert answer.returncode == 0, (case, answer.stderr)
            continue
        assert answer.returncode != 0 and "(Forbidden)" in answer.stderr, (case, answer.stderr)
        assert WEBHOOK + expected[case] in answer.stderr and details.get(case, "") in answer.stderr, (case, answer.stderr)
    qlora = golden_post_body("a_builtin_torchtune_lora")
    qlora["spec"]["trainer"]["args"].append("model.quantize_base=True")
    answer = cluster.dry_run_create(qlora)
    assert "(Forbidden)" in answer.stderr, answer.stderr
    for detail in ("must be auto or 1 for llama3_2/1B model when using QLoRA",
                   "must have gpu resource with value 1 for llama3_2/1B model when using QLoRA"):
        assert detail in answer.stderr, answer.stderr
    qlora["spec"]["runtimeRef"] = {"name": "no-such-runtime", "kind": "TrainingRuntime", "apiGroup": "trainer.kubeflow.org"}
    answer = cluster.dry_run_create(qlora)
    assert "(Forbidden)" in answer.stderr and \
        "specified trainingRuntime must be created before the TrainJob is created" in answer.stderr, answer.stderr


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
            for tool, args, path, detail, argument in REFUSED:
                text = await mcp.error(tool, {**args, "name": "refused"})
                assert detail in text and argument in text, (tool, args, text)
                if path:
                    assert WEBHOOK in text and path + ": Invalid value: " in text and "Fix: " in text, text
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
            assert cluster.denied() == {}
            await mcp.create("delete_job", {"job_id": "owned"})
    run(body)
    left = {s["metadata"]["name"] for s in cluster.get("secrets")["items"]}
    assert not {"owned-model-s3", "owned-dataset-s3"} & left, left
