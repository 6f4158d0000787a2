"""The real Kubeflow SDK 0.5.0 (`kubeflow` from PyPI) as the simulator's witness: its
TrainerClient drives `kubeflow-mcp sim` through a kubeconfig from `--kubeconfig-out`, as
it would a real cluster; and jobs our MCP tools create are read back by it."""
import anyio
import pytest
from kubeflow.common.types import KubernetesBackendConfig
from kubeflow.trainer import (BuiltinTrainer, CustomTrainer, CustomTrainerContainer, HuggingFaceDatasetInitializer,
                              HuggingFaceModelInitializer, Initializer, TorchTuneConfig, TrainerClient)
from kubeflow.trainer.options import (ContainerPatch, JobSetSpecPatch, JobSetTemplatePatch, JobSpecPatch,
                                      JobTemplatePatch, Name, PodSpecPatch, PodTemplatePatch, ReplicatedJobPatch,
                                      RuntimePatch, TrainingRuntimeSpecPatch)
from kubernetes import client as k8s, config as k8s_config

from conftest import StandaloneSim
from trainer_support import sim_server

# Simulated seconds per real second: a job (6 s of initializers, 120 steps) takes ~0.4 s.
TIME_SCALE = "300"


@pytest.fixture
def sim(tmp_path):
    s = StandaloneSim(tmp_path, "--time-scale", TIME_SCALE)
    yield s
    s.stop()


def trainer_client(sim) -> TrainerClient:
    return TrainerClient(KubernetesBackendConfig(namespace="default", config_file=str(sim.kubeconfig)))


def core(sim) -> k8s.CoreV1Api:
    return k8s.CoreV1Api(k8s_config.new_client_from_config(config_file=str(sim.kubeconfig)))


def node_patch(**pod_spec) -> RuntimePatch:
    """A RuntimePatch on the `node` replicated job's pods, as the SDK user writes it."""
    return RuntimePatch(training_runtime_spec=TrainingRuntimeSpecPatch(template=JobSetTemplatePatch(
        spec=JobSetSpecPatch(replicated_jobs=[ReplicatedJobPatch(name="node", template=JobTemplatePatch(
            spec=JobSpecPatch(template=PodTemplatePatch(spec=PodSpecPatch(**pod_spec)))))]))))


def pods_of(sim, job: str) -> list:
    return core(sim).list_namespaced_pod("default", label_selector=f"jobset.sigs.k8s.io/jobset-name={job}").items


def train_fn():
    print("custom function: loading data")
    for epoch in range(2):
        print(f"epoch {epoch} done")


def test_sdk_runtimes(sim):
    client = trainer_client(sim)
    names = {r.name for r in client.list_runtimes()}
    assert {"torch-distributed", "torchtune-llama3.2-1b", "deepspeed-distributed"} <= names
    tune = client.get_runtime("torchtune-llama3.2-1b")
    assert tune.trainer.framework == "torchtune"
    assert client.get_runtime("torch-distributed").trainer.framework == "torch"


def test_sdk_builtin_trainer_runs_torchtune_with_initializers(sim):
    client = trainer_client(sim)
    job = client.train(
        runtime="torchtune-llama3.2-1b",
        initializer=Initializer(dataset=HuggingFaceDatasetInitializer(storage_uri="hf://tatsu-lab/alpaca/data"),
                                model=HuggingFaceModelInitializer(storage_uri="hf://meta-llama/Llama-3.2-1B-Instruct")),
        trainer=BuiltinTrainer(config=TorchTuneConfig(epochs=1, batch_size=4, resources_per_node={"gpu": 2})))
    done = client.wait_for_job_status(job, timeout=60, polling_interval=1)
    assert done.status == "Complete" and done.num_nodes == 1
    assert done.runtime.name == "torchtune-llama3.2-1b"
    assert {s.name for s in done.steps} == {"dataset-initializer", "model-initializer", "node-0"}
    assert next(s for s in done.steps if s.name == "node-0").device_count == "2"
    logs = "\n".join(client.get_job_logs(job))
    assert "INFO:torchtune.utils._logging:Running FullFinetuneRecipeDistributed" in logs
    assert "|Loss: " in logs
    assert "hf://tatsu-lab/alpaca/data" in "\n".join(client.get_job_logs(job, step="dataset-initializer"))
    reasons = {e.reason for e in client.get_job_events(job)}
    assert {"Created", "Scheduled", "Started", "Completed"} <= reasons


def test_sdk_custom_trainer_with_packages_succeeds(sim):
    # The SDK's pip preamble has `exit 1` in its error branch: the job must still succeed.
    client = trainer_client(sim)
    job = client.train(runtime="torch-distributed",
                       trainer=CustomTrainer(func=train_fn, packages_to_install=["transformers", "datasets"],
                                             num_nodes=2, resources_per_node={"cpu": 2}))
    done = client.wait_for_job_status(job, timeout=60, polling_interval=1)
    assert done.status == "Complete" and done.num_nodes == 2
    assert {s.name for s in done.steps} == {"node-0", "node-1"}
    logs = list(client.get_job_logs(job, follow=True))
    text = "\n".join(logs)
    assert "Successfully installed Python packages (user): transformers datasets" in text
    # What the function prints, never its source: `epoch` is a loop variable the simulator cannot fill.
    assert "custom function: loading data" in text and "{epoch}" not in text
    assert any(line.startswith("step ") for line in logs)


def test_sdk_container_trainer_with_runtime_patches(sim):
    client = trainer_client(sim)
    core(sim).create_namespaced_secret("default", k8s.V1Secret(metadata=k8s.V1ObjectMeta(name="wandb"),
                                                                string_data={"key": "w-123"}))
    core(sim).create_namespaced_service_account("default", k8s.V1ServiceAccount(
        metadata=k8s.V1ObjectMeta(name="trainer-runner")))
    pod_options = dict(service_account_name="trainer-runner",
                       node_selector={"nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3"},
                       tolerations=[{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}])
    trainer = CustomTrainerContainer(image="pytorch/pytorch:2.7.1-cuda12.8-cudnn9-runtime",
                                     num_nodes=2, resources_per_node={"gpu": 2})
    # The SDK puts a Secret-fed env in the node container's runtime patch; Trainer v2.3.0's webhook
    # denies that at creation, and so does the simulator (our tools use spec.trainer.env instead).
    with pytest.raises(Exception) as denied:
        client.train(runtime="torch-distributed", trainer=trainer, options=[node_patch(**pod_options, containers=[
            ContainerPatch(name="node", env=[{"name": "WANDB_API_KEY",
                                              "valueFrom": {"secretKeyRef": {"name": "wandb", "key": "key"}}}])]),
            Name("env-patched")])
    text = str(denied.value) + str(getattr(denied.value, "__cause__", ""))
    assert 'admission webhook \\"validator.trainjob.trainer.kubeflow.org\\" denied the request' in text \
        or 'admission webhook "validator.trainjob.trainer.kubeflow.org" denied the request' in text, text
    assert "must not have envs for the dataset-initializer, model-initializer, node containers" in text, text
    job = client.train(runtime="torch-distributed", trainer=trainer, options=[node_patch(**pod_options), Name("patched")])
    assert job == "patched"
    done = client.wait_for_job_status(job, timeout=60, polling_interval=1)
    assert done.status == "Complete"
    pods = pods_of(sim, job)
    assert len(pods) == 2
    for pod in pods:
        assert pod.spec.service_account_name == "trainer-runner"
        assert pod.spec.node_selector == {"nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3"}
        assert pod.spec.node_name == "gpu-h100-node-1"
        assert pod.spec.tolerations[0].key == "dedicated"

    assert job in {j.name for j in client.list_jobs()}
    client.delete_job(job)

    async def gone():
        while job in {j.name for j in client.list_jobs()}:
            await anyio.sleep(0.05)
    anyio.run(gone)


def test_sdk_sees_failures_a_real_cluster_would_give(sim):
    client = trainer_client(sim)
    # A missing Secret blocks a pod only through env the webhook admits (spec.trainer.env, which the
    # SDK fills with plain values): our tools' tests cover it (test_real_jobs).
    private_job = client.train(runtime="torch-distributed", trainer=CustomTrainerContainer(
        image="registry.internal.example.com/ml/trainer:1.0"))
    hook_job = client.train(runtime="torch-distributed", trainer=CustomTrainerContainer(
        image="pytorch/pytorch:2.7.1-cuda12.8-cudnn9-runtime", env={"KFMCP_SIM_FAIL": "1"}))
    failed = client.wait_for_job_status(hook_job, status={"Failed"}, timeout=60, polling_interval=1)
    assert failed.status == "Failed"
    assert "test hook KFMCP_SIM_FAIL" in "\n".join(client.get_job_logs(hook_job))

    def messages(job):
        return [f"{e.reason}: {e.message}" for e in client.get_job_events(job)]

    assert "Failed: Error: ImagePullBackOff" in messages(private_job)
    assert client.get_job(private_job).status == "Created"  # never Running: the container never started


def test_sdk_reads_jobs_our_tools_created(sim, tmp_path):
    async def body():
        async with sim_server(tmp_path, kubeconfig=sim.kubeconfig) as server:
            tune = (await server.create("fine_tune", {
                "model": "Qwen/Qwen2.5-1.5B-Instruct", "dataset": "tatsu-lab/alpaca", "peft_method": "lora",
                "epochs": 1}))["job_id"]
            custom = (await server.create("run_container_job", {
                "image": "pytorch/pytorch:2.7.1-cuda12.8-cudnn9-runtime", "num_nodes": 2, "gpus_per_node": 1,
                "name": "ours-container"}))["job_id"]
            await server.wait_status(tune, "Complete")
            await server.wait_status(custom, "Complete")
            return tune, custom

    tune, custom = anyio.run(body)
    client = trainer_client(sim)
    read = client.get_job(tune)
    assert read.runtime.name == "torchtune-qwen2.5-1.5b" and read.status == "Complete" and read.num_nodes == 1
    assert {s.name for s in read.steps} == {"dataset-initializer", "model-initializer", "node-0"}
    other = client.get_job(custom)
    assert other.runtime.name == "torch-distributed" and other.status == "Complete" and other.num_nodes == 2
    assert {s.name for s in other.steps} == {"node-0", "node-1"}
    assert {tune, custom} <= {j.name for j in client.list_jobs()}


def tuned_fn(lr: float):
    print("training with learning rate", lr)


def test_sdk_optimizer_runs_an_experiment_katib_admits_and_reads_its_collector_logs(sim):
    """OptimizerClient end to end: the Experiment passes Katib's webhooks (defaulted: parallel
    trials, StdOut collector, TrainJob success condition), trials run with the
    metrics-logger-and-collector sidecar, the best trial's metrics are what its output said,
    and get_job_logs reads the sidecar of the best trial's node-0 pod."""
    from kubeflow.optimizer import Objective, OptimizerClient, RandomSearch, Search, TrainJobTemplate, TrialConfig

    cfg = KubernetesBackendConfig(namespace="default", config_file=str(sim.kubeconfig))
    optimizer = OptimizerClient(cfg)
    name = optimizer.optimize(
        TrainJobTemplate(trainer=CustomTrainer(func=tuned_fn, num_nodes=2), runtime="torch-distributed"),
        search_space={"lr": Search.loguniform(1e-4, 1e-2)},
        trial_config=TrialConfig(num_trials=3, parallel_trials=2),
        objectives=[Objective(metric="loss", direction="minimize"), Objective(metric="accuracy", direction="maximize")],
        algorithm=RandomSearch(),
    )
    job = optimizer.wait_for_job_status(name, timeout=120, polling_interval=1)
    assert job.status == "Complete" and len(job.trials) == 3
    assert job.trial_config.parallel_trials == 2

    best = optimizer.get_best_results(name)
    assert best is not None and set(best.parameters) == {"lr"}
    metrics = {m.name: m for m in best.metrics}
    assert set(metrics) == {"loss", "accuracy"}
    # minimize → the trial's objective is the least loss it printed; accuracy follows the same strategy.
    assert float(metrics["loss"].min) <= float(metrics["loss"].latest) <= float(metrics["loss"].max)

    lines = list(optimizer.get_job_logs(name))
    assert any("Trial Name: " in line for line in lines), lines
    printed = [line for line in lines if "] epoch=" in line]
    assert len(printed) == 3, lines
    losses = [float(word[len("loss="):]) for line in printed for word in line.split() if word.startswith("loss=")]
    assert min(losses) == float(metrics["loss"].min)

    # The trainer container itself logs nothing: its output went to the collector's metrics file.
    pods = [p for p in core(sim).list_namespaced_pod("default", label_selector="katib.kubeflow.org/experiment=" + name).items
            if p.metadata.labels.get("jobset.sigs.k8s.io/replicatedjob-name") == "node"]
    assert pods and all([c.name for c in p.spec.containers] == ["node", "metrics-logger-and-collector"] for p in pods)
    assert core(sim).read_namespaced_pod_log(pods[0].metadata.name, "default", container="node") == ""
