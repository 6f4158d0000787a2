"""Jobs a real cluster needs (issue 13), end to end through the built server on
the simulator with every default plugin plus the third-party C backend: the
KEP's story 1 verbatim, GPU requests on every backend, full fine-tuning on
every backend that declares it, pod options and their hostile inputs, the
one method vocabulary, the KEP defaults and runtime fit."""
import pytest

from mcp_client import run
from test_backends import backends_server
from trainer_support import torch_runtime_with_initializers

STORY_1 = {"model": "Qwen/Qwen2.5-7B-Instruct", "dataset": "tatsu-lab/alpaca", "peft_method": "lora"}
SMALL = {"model": "Qwen/Qwen2.5-1.5B-Instruct", "dataset": "tatsu-lab/alpaca"}


def gpus(spec: dict) -> float:
    return spec["trainer"].get("resourcesPerNode", {}).get("limits", {}).get("nvidia.com/gpu", 0)


def test_kep_story_1_verbatim_reaches_complete(tmp_path):
    async def body():
        async with backends_server(tmp_path) as sim:
            await sim.ok("get_cluster_resources", {})
            estimate = await sim.ok("estimate_resources", {"model": STORY_1["model"], "peft_method": "lora"})
            assert estimate  # the KEP's argument name is accepted
            created = await sim.create("fine_tune", STORY_1)
            # torchtune has no runtime for a 7B Qwen: another backend ran it, and the answer says which.
            assert created["backend"] != "torchtune"
            assert any(f"used backend {created['backend']}" in n for n in created["notes"]), created["notes"]
            assert created["defaults_applied"] == {"epochs": 3, "batch_size": 4, "lora_rank": 16, "lora_alpha": 32}
            spec = (await sim.ok("get_job_spec", {"job_id": created["job_id"]}))["object"]["spec"]
            assert gpus(spec) >= 1
            await sim.wait_status(created["job_id"], "Complete")
    run(body)


@pytest.mark.parametrize("backend", ["trl", "unsloth"])
def test_generic_runtime_backends_request_gpus(backend, tmp_path):
    async def body():
        async with backends_server(tmp_path) as sim:
            created = await sim.create("fine_tune", {**SMALL, "backend": backend})
            assert created["runtime"] == "torch-distributed"  # a runtime that asks for no GPU itself
            spec = (await sim.ok("get_job_spec", {"job_id": created["job_id"]}))["object"]["spec"]
            assert gpus(spec) == 1
            assert any("GPU(s) per node" in n for n in created["notes"])
            await sim.wait_status(created["job_id"], "Complete")
            # The scheduler put the training pod on a GPU node (the simulator sends GPU-less pods to the CPU node).
            gpu_nodes = {n["name"] for n in (await sim.ok("get_cluster_resources", {}))["nodes"] if n["capacity"] > 0}
            events = (await sim.ok("get_job_events", {"job_id": created["job_id"]}))["events"]
            placed = [e["message"].rsplit(" to ", 1)[1] for e in events
                      if e["reason"] == "Scheduled" and "-node-" in e["involved_object_name"]]
            assert placed and set(placed) <= gpu_nodes, (placed, gpu_nodes)
            # A GPU count the call gives wins.
            again = await sim.create("fine_tune", {**SMALL, "backend": backend, "gpus_per_node": 1, "name": "given"})
            assert not any("GPU(s) per node" in n for n in again["notes"])
    run(body)


def test_full_fine_tune_on_every_backend_that_declares_it(tmp_path):
    async def body():
        async with backends_server(tmp_path) as sim:
            listed = (await sim.ok("list_fine_tune_backends", {}))["backends"]
            full = [b["id"] for b in listed if "full" in b["capabilities"].get("methods", [])]
            assert {"torchtune", "trl", "llamafactory"} <= set(full)
            jobs = []
            for backend in full:
                created = await sim.create("fine_tune", {**SMALL, "backend": backend, "peft_method": "full",
                                                         "name": f"full-{backend}"})
                assert created["peft_method"] == "full"
                assert "lora_rank" not in created["defaults_applied"]
                jobs.append(created["job_id"])
            for job in jobs:
                await sim.wait_status(job, "Complete")
            # none is an alias of full; unsloth, which declares no full, says so.
            alias = await sim.create("fine_tune", {**SMALL, "backend": "torchtune", "peft_method": "none", "name": "alias"})
            assert alias["peft_method"] == "full"
            text = await sim.error("fine_tune", {**SMALL, "backend": "unsloth", "peft_method": "full"})
            assert "full" in text
    run(body)


def test_runtime_must_fit_the_model(tmp_path):
    async def body():
        async with backends_server(tmp_path) as sim:
            text = await sim.error("fine_tune", {**STORY_1, "runtime": "torchtune-qwen2.5-1.5b"})
            assert "runtime" in text and "another model" in text
            text = await sim.error("fine_tune", {**STORY_1, "backend": "torchtune"})
            assert "No torchtune runtime fits" in text and "backend" in text
    run(body)


def test_defaults_are_echoed_and_null_keeps_the_recipe(tmp_path):
    async def body():
        async with backends_server(tmp_path) as sim:
            preview = await sim.preview("fine_tune", {**SMALL, "backend": "torchtune"})
            result = preview["result_of_dry_run"]
            assert result["defaults_applied"] == {"epochs": 3, "batch_size": 4, "lora_rank": 16, "lora_alpha": 32}
            args = preview["would_send"][0]["body"]["spec"]["trainer"]["args"]
            assert "epochs=3" in args and "batch_size=4" in args and "model.lora_rank=16" in args
            kept = await sim.preview("fine_tune", {**SMALL, "backend": "torchtune", "epochs": None, "lora_rank": 8})
            result = kept["result_of_dry_run"]
            assert result["defaults_applied"] == {"batch_size": 4, "lora_alpha": 32}
            args = kept["would_send"][0]["body"]["spec"]["trainer"]["args"]
            assert not any(a.startswith("epochs=") for a in args) and "model.lora_rank=8" in args
            text = await sim.error("fine_tune", {**SMALL, "backend": "torchtune", "loss": "NoSuchLoss"})
            assert "loss" in text and "CEWithChunkedOutputLoss" in text
    run(body)


POD_HOSTILE = [
    ({"tolerations": [{"key": "gpu", "operator": "Maybe"}]}, "tolerations[0].operator"),
    ({"tolerations": [{"operator": "Equal", "value": "x"}]}, "tolerations[0]"),
    ({"tolerations": [{"key": "gpu", "operator": "Exists", "effect": "Sometimes"}]}, "tolerations[0].effect"),
    ({"tolerations": [{"key": "gpu", "tolerationSeconds": 5}]}, "NoExecute"),
    ({"tolerations": [{"key": "gpu", "color": "red"}]}, "tolerations[0].color"),
    ({"volumes": [{"name": "root", "hostPath": {"path": "/"}}]}, "hostPath"),
    ({"volumes": [{"name": "a", "emptyDir": {}, "persistentVolumeClaim": {"claimName": "x"}}]}, "exactly one source"),
    ({"volumes": [{"name": "Bad_Name", "emptyDir": {}}]}, "volumes[0].name"),
    ({"volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": "../etc"}}]}, "claimName"),
    ({"volume_mounts": [{"name": "v", "mountPath": "relative"}]}, "mountPath"),
    ({"volume_mounts": [{"name": "v", "mountPath": "/m", "subPath": "../../etc"}]}, "subPath"),
    ({"volumes": [{"name": "a", "emptyDir": {}}], "volume_mounts": [{"name": "b", "mountPath": "/m"}]}, "no volume b"),
    ({"node_selector": {"bad key!": "x"}}, "node_selector"),
    ({"node_selector": {"pool": "a b"}}, "label value"),
    ({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "k", "operator": "Near", "values": ["v"]}]}]}}}}, "operator"),
    ({"affinity": {"gpuAffinity": {}}}, "affinity.gpuAffinity"),
    ({"service_account_name": "Admin;rm"}, "service_account_name"),
    ({"image_pull_secrets": [{"name": "ok", "extra": 1}]}, "image_pull_secrets[0].extra"),
]


def test_pod_options_refuse_hostile_shapes_naming_the_field(tmp_path):
    async def body():
        async with backends_server(tmp_path) as sim:
            for extra, needle in POD_HOSTILE:
                for tool, args in (("run_container_job", {"image": "ghcr.io/myorg/trainer:v1"}),
                                   ("fine_tune", {**SMALL, "backend": "torchtune"})):
                    text = await sim.error(tool, {**args, **extra})
                    assert needle in text, (tool, extra, text)
            # Valid options reach the cluster on all three tools, as one runtime patch.
            options = {"node_selector": {"pool": "gpu"}, "service_account_name": "trainer-sa",
                       "volumes": [{"name": "ckpt", "persistentVolumeClaim": {"claimName": "ckpt-pvc"}}],
                       "volume_mounts": [{"name": "ckpt", "mountPath": "/mnt/ckpt"}]}
            calls = [("run_container_job", {"image": "ghcr.io/myorg/trainer:v1"}),
                     ("run_custom_training", {"script_code": "def train():\n    print('hi')\n"}),
                     ("fine_tune", {**SMALL, "backend": "torchtune"})]
            for i, (tool, args) in enumerate(calls):
                created = await sim.create(tool, {**args, **options, "name": f"pod-{i}"})
                spec = (await sim.ok("get_job_spec", {"job_id": created["job_id"]}))["object"]["spec"]
                [patch] = spec["runtimePatches"]
                assert patch["manager"] == "kubeflow-mcp.kubeflow.org/kubeflow-mcp"
                [job] = patch["trainingRuntimeSpec"]["template"]["spec"]["replicatedJobs"]
                pod = job["template"]["spec"]["template"]["spec"]
                assert job["name"] == "node" and pod["serviceAccountName"] == "trainer-sa"
                assert pod["containers"] == [{"name": "node", "volumeMounts": options["volume_mounts"]}]
    run(body)


def test_initializers_on_custom_and_container_jobs(tmp_path):
    async def body():
        async with backends_server(tmp_path) as sim:
            args = {"func": "def train():\n    print('hi')\n", "model": "Qwen/Qwen2.5-1.5B-Instruct",
                    "dataset": "s3://bucket/data", "dataset_options": {"access_key_id": "AKIA1", "secret_access_key": "s3cr3t"},
                    "name": "with-init"}
            # Stock torch-distributed has no initializer steps: v2.3.0 denies spec.initializer there. The
            # script fetches a Hugging Face source itself; an s3:// one is refused with the webhook's reason.
            text = await sim.error("run_custom_training", args)
            assert "must have dataset-initializer job when trainJob is configured with input datasetConfig" in text
            hub = {k: v for k, v in args.items() if k != "dataset_options"}
            preview = await sim.preview("run_custom_training", {**hub, "dataset": "tatsu-lab/alpaca/data"})
            spec = preview["would_send"][0]["body"]["spec"]
            assert "initializer" not in spec
            script = spec["trainer"]["command"][2]
            assert 'snapshot_download(repo_id="Qwen/Qwen2.5-1.5B-Instruct", repo_type="model", local_dir="/workspace/model"' in script
            assert 'repo_type="dataset", local_dir="/workspace/dataset", allow_patterns=["data", "data/*"])' in script
            assert script.index("huggingface_hub") < script.index("snapshot_download") < script.index("def train")
            await sim.create("create_training_runtime", {"manifest": torch_runtime_with_initializers()})
            created = await sim.create("run_custom_training", {**args, "runtime": "torch-with-initializers"})
            spec = (await sim.ok("get_job_spec", {"job_id": created["job_id"]}))["object"]["spec"]
            assert spec["initializer"]["model"]["storageUri"] == "hf://Qwen/Qwen2.5-1.5B-Instruct"
            env = {e["name"]: e for e in spec["initializer"]["dataset"]["env"]}
            assert env["SECRET_ACCESS_KEY"]["valueFrom"]["secretKeyRef"]["name"] == "with-init-dataset-s3"
            assert "s3cr3t" not in repr(created) + repr(spec)
            for bad in ({"model": "file:///etc/passwd"}, {"dataset": "s3://"}, {"model": "hf://"},
                        {"model": "org/m", "hf_token_secret": "../x"}, {"model": "org/m", "model_options": {"color": "red"}},
                        {"model": "org/m", "model_options": {"endpoint": "https://x"}}):
                text = await sim.error("run_container_job", {"image": "x/y:1", **bad})
                assert any(k in text for k in bad), (bad, text)
            text = await sim.error("run_container_job", {"image": "x/y:1", "model_options": {"region": "eu"}})
            assert "model" in text
            text = await sim.error("run_custom_training", {"func": "def f():\n    pass\n", "script_code": "def g():\n    pass\n"})
            assert "script_code" in text
    run(body)


def test_checkpoints_are_listed_with_their_volume_and_a_job_resumes_from_one(tmp_path):
    async def body():
        async with backends_server(tmp_path) as sim:
            pvc = {"volumes": [{"name": "out", "persistentVolumeClaim": {"claimName": "ckpt-pvc"}}],
                   "volume_mounts": [{"name": "out", "mountPath": "/workspace/output"}]}
            # The simulated trainer writes where its own arguments say (it does not invent a path).
            job = (await sim.create("run_container_job", {"image": "ghcr.io/myorg/trainer:v1", "name": "ckpt",
                                                          "args": ["--output_dir", "/workspace/output"], **pvc}))["job_id"]
            await sim.wait_status(job, "Complete")
            listed = await sim.ok("list_checkpoints", {"job_id": job})
            assert listed["count"] >= 1, listed
            last = listed["checkpoints"][-1]
            assert last["path"] == "/workspace/output"
            assert last["storage"].get("claim_name") == "ckpt-pvc" and last["storage"]["persistent"] is True, listed
            progress = await sim.ok("get_training_progress", {"job_id": job})
            assert progress["progress"]["percent"] == 100

            # Resume: the backend gets the path; one that cannot resume says so; a hostile path is refused.
            preview = await sim.preview("fine_tune", {**SMALL, "backend": "torchtune", "resume_from_checkpoint": last["path"], **pvc})
            args = preview["would_send"][0]["body"]["spec"]["trainer"]["args"]
            # checkpointer.checkpoint_dir is the runtime's (immutable in v2.3.0): torchtune resumes from
            # the latest epoch in its output_dir, where the PVC is mounted; another path is refused.
            assert args[-1] == "resume_from_checkpoint=True" and not any(a.startswith("checkpointer.") for a in args)
            text = await sim.error("fine_tune", {**SMALL, "backend": "torchtune", "resume_from_checkpoint": "/mnt/ckpt"})
            assert 'must not set immutable config "checkpointer.checkpoint_dir" in trainer args' in text
            trl = await sim.preview("fine_tune", {**SMALL, "backend": "trl", "resume_from_checkpoint": last["path"]})
            assert "--resume_from_checkpoint /workspace/output" in trl["would_send"][0]["body"]["spec"]["trainer"]["command"][2]
            text = await sim.error("fine_tune", {**SMALL, "backend": "unsloth", "resume_from_checkpoint": last["path"]})
            assert "resume_from_checkpoint" in text
            for bad in ["relative/ckpt", "/a/../../etc", "/x; rm -rf /", "/x$(id)"]:
                text = await sim.error("fine_tune", {**SMALL, "backend": "torchtune", "resume_from_checkpoint": bad})
                assert "resume_from_checkpoint" in text
            custom = await sim.preview("run_custom_training", {"func": "def train():\n    pass\n",
                                                               "resume_from_checkpoint": "/workspace/output"})
            env = custom["would_send"][0]["body"]["spec"]["trainer"]["env"]
            assert {"name": "RESUME_FROM_CHECKPOINT", "value": "/workspace/output"} in env
    run(body)


def test_progress_has_epoch_step_loss_throughput_and_eta(tmp_path):
    async def body():
        from trainer_support import SLOW, sim_server
        async with sim_server(tmp_path, SLOW) as sim:
            job = (await sim.create("run_container_job", {"image": "ghcr.io/myorg/trainer:v1",
                                                          "args": ["--num_train_epochs", "3"]}))["job_id"]

            async def probe():
                p = (await sim.ok("get_training_progress", {"job_id": job})).get("progress", {})
                return p if {"epoch", "step", "loss", "throughput", "eta_seconds"} <= set(p) else None
            p = await sim.until("full progress", probe)
            # v2.3.0 writes no trainerStatus without the TrainJobStatus gate: the figures are node-0's log lines.
            assert p["source"] == "logs" and p["throughput_unit"] == "tokens/s" and p["total_epochs"] == 3
            await sim.create("delete_job", {"job_id": job})
    run(body)


def test_prerequisites_agree_with_fine_tune_on_runtime_fit(tmp_path):
    async def body():
        async with backends_server(tmp_path) as sim:
            misfit = await sim.ok("check_prerequisites", {**STORY_1, "runtime": "torchtune-qwen2.5-1.5b"})
            assert misfit["ready"] is False
            assert any(i["check"] == "runtime_fit" for i in misfit["issues"]), misfit["issues"]
            fits = await sim.ok("check_prerequisites", {**SMALL, "runtime": "torchtune-qwen2.5-1.5b"})
            assert not any(i["check"] == "runtime_fit" for i in fits["issues"])
            missing = await sim.ok("check_prerequisites", {**SMALL, "runtime": "no-such-runtime"})
            assert missing["ready"] is False and any(i["check"] == "runtime" for i in missing["issues"])
            for args in ({**STORY_1, "runtime": "torchtune-qwen2.5-1.5b"}, {**SMALL, "runtime": "no-such-runtime"}):
                report = await sim.ok("validate_config", args)
                assert report["valid"] is False and any(e["field"] == "runtime" for e in report["errors"]), report
            assert (await sim.ok("validate_config", {**SMALL, "runtime": "torchtune-qwen2.5-1.5b"}))["valid"] is True
    run(body)
