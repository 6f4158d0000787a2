"""The Trainer plugin (issue 4) end to end: the built binary with the Trainer
and TorchTune plugins, the official MCP Python client over stdio, and the
embedded cluster simulator over real HTTP. The KEP's three user stories, job
lifecycle, scheduling, listing, manifests, credentials and errors.

Nothing here asserts a duration: every wait is on a condition."""
import json

import pytest

from mcp_client import run
from trainer_support import FAST, SLOW, TRAINJOBS, sim_server

CONTAINER = "ghcr.io/myorg/trainer:v1"


def statuses(progress_messages):
    """The status word of each 'job: Status [n%]' progress message, in order, without repeats."""
    out = []
    for m in progress_messages:
        word = m.split(": ", 1)[1].split(" ")[0]
        if not out or out[-1] != word:
            out.append(word)
    return out


# MARK: the KEP's user stories


def test_story_1_fine_tune_qwen_with_lora_and_watch_it(tmp_path):
    async def body():
        async with sim_server(tmp_path, FAST) as sim:
            created = await sim.ok("fine_tune", {"model": "Qwen/Qwen2.5-1.5B-Instruct", "dataset": "tatsu-lab/alpaca",
                                                 "peft_method": "lora"}, confirm=True)
            job = created["job_id"]
            assert created["runtime"] == "torchtune-qwen2.5-1.5b"  # picked to fit the model
            assert created["created"] is True

            seen = []

            async def on_progress(progress, total, message):
                seen.append((progress, total, message))

            done = await sim.ok("wait_for_completion", {"job_id": job, "timeout_seconds": 120},
                                progress_callback=on_progress)
            assert done["status"] == "Complete" and done["timed_out"] is False
            messages = [m for _, _, m in seen]
            assert messages and all(m.startswith(f"{job}: ") for m in messages)
            assert statuses(messages)[-1] == "Complete"
            assert "Created" not in statuses(messages)[1:]  # once running, never "Created" again
            percents = [p for p, t, _ in seen if t == 100]
            assert percents == sorted(percents) and percents[-1] == 100

            logs = await sim.ok("get_training_logs", {"job_id": job})
            assert logs["step"] == "node-0" and logs["container"] == "node"
            assert any("|Loss: " in line for line in logs["lines"]), logs["lines"][:10]  # torchtune's own lines

            progress = await sim.ok("get_training_progress", {"job_id": job})
            assert progress["status"] == "Complete"
            assert progress["progress"]["percent"] == 100
            assert isinstance(progress["progress"]["bar"], str) and "100%" in progress["progress"]["bar"]
            assert any(isinstance(v, (int, float)) for k, v in progress["progress"].items() if k != "percent")
    run(body)


def test_story_2_custom_function_on_two_nodes_with_four_gpus(tmp_path):
    func = "def train(lr: float = 0.01):\n    import torch\n    print('training with', lr)\n"

    async def body():
        async with sim_server(tmp_path, FAST) as sim:
            preview = await sim.preview("run_custom_training", {"func": func, "num_nodes": 2,
                                                                "resources_per_node": {"gpu": 4}})
            trainer = preview["would_send"][0]["body"]["spec"]["trainer"]
            assert trainer["numNodes"] == 2
            assert trainer["resourcesPerNode"]["limits"] == {"nvidia.com/gpu": 4.0}
            assert "torchrun" in trainer["command"][-1] and "def train(" in trainer["command"][-1]

            created = await sim.ok("run_custom_training", {"func": func, "num_nodes": 2,
                                                           "resources_per_node": {"gpu": 4}}, confirm=True)
            assert created["runtime"] == "torch-distributed" and created["function"] == "train"
            done = await sim.ok("wait_for_completion", {"job_id": created["job_id"], "timeout_seconds": 120})
            assert done["status"] == "Complete"
            job = await sim.job(created["job_id"])
            assert job["num_nodes"] == 2
            assert sorted(s["name"] for s in job["steps"]) == ["node-0", "node-1"]
            assert all(s["device_count"] == "4" for s in job["steps"])
    run(body)


def test_story_3_container_job_with_four_gpus(tmp_path):
    async def body():
        async with sim_server(tmp_path, FAST) as sim:
            created = await sim.ok("run_container_job", {"image": CONTAINER, "resources_per_node": {"gpu": 4}}, confirm=True)
            assert created["job_id"].startswith("job-")
            done = await sim.ok("wait_for_completion", {"job_id": created["job_id"], "timeout_seconds": 120})
            assert done["status"] == "Complete"
            spec = await sim.ok("get_job_spec", {"job_id": created["job_id"]})
            assert spec["object"]["spec"]["trainer"]["image"] == CONTAINER
    run(body)


# MARK: lifecycle


def test_suspend_resume_and_delete(tmp_path):
    async def body():
        async with sim_server(tmp_path, SLOW) as sim:
            job = (await sim.ok("run_container_job", {"image": CONTAINER, "gpus_per_node": 4, "name": "pausable"}, confirm=True))["job_id"]
            await sim.wait_status(job, "Running")

            assert (await sim.ok("suspend_job", {"job_id": job}))["suspended"] is True
            suspended = await sim.wait_status(job, "Suspended")
            assert suspended["suspended"] is True
            await sim.until("pods gone", lambda: _no_steps(sim, job))
            gpus = await sim.ok("get_cluster_resources", {})
            assert gpus["totals"]["in_use"] == 0  # suspending frees the GPUs

            assert (await sim.ok("resume_job", {"job_id": job}))["suspended"] is False
            resumed = await sim.wait_status(job, "Running")
            assert resumed["suspended"] is False
            assert resumed["sdk_status"] == "Created"  # the SDK's own view after a resume (Suspended=False condition)

            assert (await sim.ok("delete_job", {"job_id": job}, confirm=True))["deleted"] is True
            gone = await sim.error("get_training_job", {"job_id": job})
            assert f"TrainJob {job} does not exist" in gone
            again = await sim.error("delete_job", {"job_id": job}, confirm=True)
            assert f"TrainJob {job} does not exist" in again
    run(body)


def test_delete_job_preview_deletes_nothing(tmp_path):
    async def body():
        async with sim_server(tmp_path, SLOW) as sim:
            job = (await sim.ok("run_container_job", {"image": CONTAINER, "name": "keeper"}, confirm=True))["job_id"]
            preview = await sim.preview("delete_job", {"job_id": job})
            assert [(w["method"], w["path"]) for w in preview["would_send"]] == [("DELETE", f"{TRAINJOBS}/{job}")]
            assert (await sim.job(job))["name"] == job
    run(body)


async def _no_steps(sim, job):
    return not (await sim.job(job))["steps"]


def test_job_pending_for_lack_of_gpus(tmp_path):
    async def body():
        async with sim_server(tmp_path, SLOW) as sim:
            small = (await sim.ok("run_container_job", {"image": CONTAINER, "num_nodes": 2, "gpus_per_node": 4,
                                                        "name": "small"}, confirm=True))["job_id"]
            await sim.wait_status(small, "Running")
            # 3 nodes × 8 GPUs: the cluster has 16 GPUs, one node with 8.
            big = (await sim.ok("run_container_job", {"image": CONTAINER, "num_nodes": 3, "gpus_per_node": 8,
                                                      "name": "big"}, confirm=True))["job_id"]

            # The default scheduler places pod by pod: one of big's pods takes the H100 node and
            # starts (waiting for its peers), the other two stay Pending, unschedulable.
            async def pending_steps():
                steps = (await sim.job(big))["steps"]
                unscheduled = [s for s in steps if s.get("reason") == "Unschedulable"]
                return steps if len(steps) == 3 and [s["status"] for s in steps].count("Pending") == 2 \
                    and len(unscheduled) == 2 else None
            await sim.until("big's pods pending", pending_steps)
            assert (await sim.job(big))["status"] == "Created"

            gpus = await sim.ok("get_cluster_resources", {})
            assert gpus["totals"]["capacity"] == 16
            assert gpus["totals"]["in_use"] == 16
            assert gpus["totals"]["free"] == 0
            assert gpus["totals"]["pending_unscheduled"] == 16
            busy = {n["name"]: n["in_use"] for n in gpus["nodes"]}
            assert busy["gpu-a100-node-1"] == 4 and busy["gpu-a100-node-2"] == 4 and busy["gpu-h100-node-1"] == 8

            events = await sim.ok("get_job_events", {"job_id": big})
            scheduling = [e for e in events["events"] if e["reason"] == "FailedScheduling"]
            assert len(scheduling) == 2
            assert all("Insufficient nvidia.com/gpu" in e["message"] for e in scheduling)
            assert all(e["involved_object_name"].startswith("big") for e in events["events"])
            # node-0 runs and waits for its peers; a step still Pending has no logs yet.
            logs = await sim.ok("get_training_logs", {"job_id": big})
            assert any("waiting for all 3 nodes to join the rendezvous" in line for line in logs["lines"])
            pending = next(s["name"] for s in (await sim.job(big))["steps"] if s["status"] == "Pending")
            text = await sim.error("get_training_logs", {"job_id": big, "step": pending})
            assert "still Pending" in text and "get_job_events" in text
    run(body)


# MARK: listing


def test_list_training_jobs_filters_and_pages(tmp_path):
    async def body():
        async with sim_server(tmp_path, SLOW) as sim:
            for name, extra in [("nlp-a", {"labels": {"team": "nlp"}}), ("nlp-b", {"labels": {"team": "nlp"}}),
                                ("vision", {"labels": {"team": "vision"}}),
                                ("deep", {"runtime": "deepspeed-distributed"})]:
                await sim.ok("run_container_job", {"image": CONTAINER, "name": name, **extra}, confirm=True)
            await sim.ok("suspend_job", {"job_id": "vision"})
            for name in ("nlp-a", "nlp-b", "deep"):
                await sim.wait_status(name, "Running")
            await sim.wait_status("vision", "Suspended")

            everything = await sim.ok("list_training_jobs", {})
            assert everything["count"] == 4 and "continue" not in everything
            rows = {j["name"]: j for j in everything["jobs"]}
            assert rows["deep"]["runtime"] == "deepspeed-distributed"
            assert rows["vision"]["status"] == "Suspended" and rows["vision"].get("suspended") is True

            def names(listing):
                return sorted(j["name"] for j in listing["jobs"])
            assert names(await sim.ok("list_training_jobs", {"label": "team=nlp"})) == ["nlp-a", "nlp-b"]
            assert names(await sim.ok("list_training_jobs", {"runtime": "deepspeed-distributed"})) == ["deep"]
            assert names(await sim.ok("list_training_jobs", {"status": "Suspended"})) == ["vision"]
            assert names(await sim.ok("list_training_jobs", {"status": "Running"})) == ["deep", "nlp-a", "nlp-b"]
            assert (await sim.ok("list_training_jobs", {"status": "Failed"}))["count"] == 0

            first = await sim.ok("list_training_jobs", {"limit": 3})
            assert first["count"] == 3 and first["continue"]
            rest = await sim.ok("list_training_jobs", {"limit": 3, "continue": first["continue"]})
            assert rest["count"] == 1 and "continue" not in rest
            assert sorted(names(first) + names(rest)) == names(everything)
    run(body)


def test_job_spec_runtimes_and_runtime_spec(tmp_path):
    async def body():
        async with sim_server(tmp_path, FAST) as sim:
            job = (await sim.ok("run_container_job", {"image": CONTAINER, "name": "specimen"}, confirm=True))["job_id"]
            spec = await sim.ok("get_job_spec", {"job_id": job})
            assert spec["object"]["kind"] == "TrainJob" and spec["object"]["metadata"]["name"] == job
            assert "managedFields" not in spec["object"]["metadata"]
            assert "managedFields" not in spec["yaml"]
            assert "kind: TrainJob" in spec["yaml"] and f"name: {job}" in spec["yaml"]
            assert "image: ghcr.io/myorg/trainer:v1" in spec["yaml"]

            runtimes = await sim.ok("list_training_runtimes", {})
            by_name = {r["name"]: r for r in runtimes["runtimes"]}
            assert runtimes["count"] == len(by_name)
            assert {"torch-distributed", "deepspeed-distributed", "torchtune-llama3.2-1b",
                    "torchtune-qwen2.5-1.5b"} <= set(by_name)
            assert by_name["torchtune-llama3.2-1b"]["framework"] == "torchtune"
            assert by_name["torch-distributed"]["framework"] == "torch"

            runtime = await sim.ok("get_runtime_spec", {"name": "torch-distributed"})
            assert runtime["object"]["kind"] == "ClusterTrainingRuntime"
            assert runtime["object"]["metadata"]["name"] == "torch-distributed"
            assert "kind: ClusterTrainingRuntime" in runtime["yaml"] and "managedFields" not in runtime["yaml"]
    run(body)


# MARK: credentials


def test_setup_hf_credentials_never_echoes_the_token(tmp_path):
    token = "hf_e2eSecretTokenValue0123456789abcd"

    async def body():
        async with sim_server(tmp_path, FAST) as sim:
            texts = []
            # Created once; an existing token is replaced only with overwrite, confirmed.
            for args, expected_created in (({}, True), ({"overwrite": True}, False)):
                if args:
                    first = await sim.call("setup_hf_credentials", {"token": token, **args})
                    texts += [c.text for c in first.content]
                    assert first.structured_content["preview"] is True, first.content[0].text
                r = await sim.call("setup_hf_credentials", {"token": token, **args}, confirm=True)
                assert not r.is_error, r.content[0].text
                assert r.structured_content == {"secret_name": "hf-token", "namespace": "default", "key": "token",
                                                "created": expected_created}
                texts += [c.text for c in r.content] + [json.dumps(r.structured_content)]
                if expected_created:
                    refused = await sim.error("setup_hf_credentials", {"token": token})
                    assert "already holds a token" in refused and "overwrite" in refused

            # fine_tune uses it by reference only.
            preview = await sim.preview("fine_tune", {"model": "meta-llama/Llama-3.2-1B-Instruct",
                                                      "dataset": "tatsu-lab/alpaca", "hf_token_secret": "hf-token"})
            texts.append(json.dumps(preview))
            model_env = {e["name"]: e for e in preview["would_send"][0]["body"]["spec"]["initializer"]["model"]["env"]}
            assert model_env["ACCESS_TOKEN"] == {"name": "ACCESS_TOKEN",
                                                 "valueFrom": {"secretKeyRef": {"key": "token", "name": "hf-token"}}}
            for text in texts:
                assert token not in text
        assert token not in (tmp_path / "audit.log").read_text()
    run(body)


# MARK: errors


def test_errors_name_the_field_or_object(tmp_path):
    async def body():
        async with sim_server(tmp_path, FAST) as sim:
            msg = await sim.error("run_container_job", {"image": CONTAINER, "runtime": "no-such-runtime"})
            assert "Runtime no-such-runtime was found neither" in msg and "list_training_runtimes" in msg

            msg = await sim.error("run_custom_training", {"func": "def train():\n    pass\n",
                                                          "runtime": "torchtune-llama3.2-1b"})
            assert "torchtune-llama3.2-1b" in msg and "fine_tune" in msg and "runtime" in msg

            msg = await sim.error("get_training_job", {"job_id": "nope"})
            assert "TrainJob nope does not exist in namespace default" in msg
            msg = await sim.error("suspend_job", {"job_id": "nope"})
            assert "TrainJob nope does not exist" in msg

            msg = await sim.error("fine_tune", {"model": "Qwen/Qwen2.5-1.5B-Instruct"})
            assert "'dataset'" in msg and "missing" in msg

            msg = await sim.error("run_custom_training", {"func": "print('no function here')\n"})
            assert "func" in msg

            msg = await sim.error("fine_tune", {"model": "Qwen/Qwen2.5-1.5B-Instruct", "dataset": "tatsu-lab/alpaca",
                                                "runtime": "torch-distributed"})
            assert "torch-distributed" in msg and "runtime" in msg

            # None of these created anything.
            assert (await sim.ok("list_training_jobs", {}))["count"] == 0
    run(body)
