"""The planning plugin (pre-flight layer) through the built binary, the official
MCP client and the simulator: each prerequisite failure, estimates, validation."""
import pytest

from mcp_client import confirmed_call, run, session

QWEN = "Qwen/Qwen2.5-1.5B-Instruct"


def issues_text(result):
    sc = result.structured_content
    return " ".join(i["message"] if isinstance(i, dict) else str(i) for i in sc["issues"]) + " " + \
        " ".join(sc["actions_needed"])


def test_ready_when_everything_is_in_place():
    async def body():
        async with session("--sim") as s:
            r = await s.call_tool("check_prerequisites", {"model": QWEN, "dataset": "tatsu-lab/alpaca",
                                                          "runtime": "torchtune-qwen2.5-1.5b"})
            assert not r.is_error and r.structured_content["ready"] is True, r.content[0].text
    run(body)


def test_unknown_runtime_and_gated_model_without_secret():
    async def body():
        async with session("--sim") as s:
            r = await s.call_tool("check_prerequisites", {"model": QWEN, "dataset": "tatsu-lab/alpaca", "runtime": "nope"})
            assert r.structured_content["ready"] is False and "nope" in issues_text(r)
            r = await s.call_tool("check_prerequisites", {"model": "meta-llama/Llama-3.2-1B-Instruct",
                                                          "dataset": "tatsu-lab/alpaca", "runtime": "torchtune-llama3.2-1b"})
            assert r.structured_content["ready"] is False
            assert "setup_hf_credentials" in issues_text(r) and "hf-token" in issues_text(r)
            await s.call_tool("setup_hf_credentials", {"token": "hf_" + "x" * 34})
            r = await s.call_tool("check_prerequisites", {"model": "meta-llama/Llama-3.2-1B-Instruct",
                                                          "dataset": "tatsu-lab/alpaca", "runtime": "torchtune-llama3.2-1b"})
            assert r.structured_content["ready"] is True, issues_text(r)
    run(body)


def test_no_gpus_free_and_quota_exhausted():
    async def body():
        async with session("--sim") as s:
            # Take every GPU of the cluster (4 + 4 + 8) with one job.
            r = await confirmed_call(s, "run_container_job", {"image": "busybox", "num_nodes": 4,
                                                        "resources_per_node": {"gpu": 4}})
            assert not r.is_error, r.content[0].text
            for _ in range(200):
                res = await s.call_tool("get_cluster_resources", {})
                if res.structured_content["totals"]["free"] == 0:
                    break
            r = await s.call_tool("check_prerequisites", {"model": QWEN, "dataset": "tatsu-lab/alpaca",
                                                          "runtime": "torch-distributed",
                                                          "resources": {"gpu": 2}})
            assert r.structured_content["ready"] is False and "GPU" in issues_text(r)

        async with session("--sim") as s:
            # ml-team-dev has a quota of 8 GPUs (requests.nvidia.com/gpu): ask for more.
            r = await s.call_tool("check_prerequisites", {"model": QWEN, "dataset": "tatsu-lab/alpaca",
                                                          "runtime": "torch-distributed", "namespace": "ml-team-dev",
                                                          "resources": {"gpu": 4}, "num_nodes": 3})
            assert r.structured_content["ready"] is False and "quota" in issues_text(r).lower()
    run(body)


def test_rbac_forbids_create(tmp_path, standalone_sim):
    bob = standalone_sim.kubeconfig_for(tmp_path / "bob", "kfsim-read-only-token")

    async def body():
        async with session("--kubeconfig", str(bob)) as s:
            r = await s.call_tool("check_prerequisites", {"model": QWEN, "dataset": "tatsu-lab/alpaca",
                                                          "runtime": "torch-distributed"})
            assert r.structured_content["ready"] is False
            assert "create" in issues_text(r) and "trainjobs" in issues_text(r)
    run(body)


def test_estimate_and_validate():
    async def body():
        async with session("--sim") as s:
            r = await s.call_tool("estimate_resources", {"model": "Qwen/Qwen2.5-7B-Instruct", "method": "lora"})
            e = r.structured_content
            assert 10 < e["gpu_memory_gb_per_gpu"] < 40
            assert set(e["breakdown"]) >= {"weights", "gradients", "optimizer", "adapters", "activations", "overhead"}
            assert e["feasible"] is True and e["fits_on"]
            full = await s.call_tool("estimate_resources", {"model": "meta-llama/Llama-3.1-70B-Instruct", "method": "full"})
            assert full.structured_content["gpu_memory_gb_per_gpu"] > e["gpu_memory_gb_per_gpu"]
            unknown = await s.call_tool("estimate_resources", {"model": "nobody/unknown-model"})
            assert unknown.is_error and "params_billion" in unknown.content[0].text
            hint = await s.call_tool("estimate_resources", {"model": "nobody/unknown-model", "params_billion": 3})
            assert not hint.is_error and hint.structured_content["assumptions"]
            v = await s.call_tool("validate_config", {"model": "meta-llama/Llama-3.2-1B-Instruct", "dataset": "hf://tatsu-lab/alpaca",
                                                      "runtime": "torchtune-llama3.2-1b", "num_nodes": 2})
            assert v.structured_content["valid"] is False
            assert any(err["field"] == "num_nodes" for err in v.structured_content["errors"])
            v = await s.call_tool("validate_config", {"model": "ftp://x", "dataset": "hf://tatsu-lab/alpaca"})
            assert v.structured_content["valid"] is False
    run(body)


def test_training_tools_run_the_preflight_and_create_nothing_on_failure():
    async def body():
        async with session("--sim") as s:
            gated = await confirmed_call(s, "fine_tune", {"model": "meta-llama/Llama-3.2-1B-Instruct",
                                                    "dataset": "tatsu-lab/alpaca"})
            assert gated.is_error
            text = gated.content[0].text
            assert "Pre-flight checks failed; nothing was created" in text and "setup_hf_credentials" in text
            multi = await confirmed_call(s, "fine_tune", {"model": "meta-llama/Llama-3.2-1B-Instruct", "dataset": "tatsu-lab/alpaca",
                                                    "num_nodes": 2, "hf_token": "hf_" + "y" * 34})
            assert multi.is_error and "num_nodes" in multi.content[0].text
            assert (await s.call_tool("list_training_jobs", {})).structured_content["count"] == 0
            # A token given with the call satisfies the gated-model check.
            ok = await confirmed_call(s, "fine_tune", {"model": "meta-llama/Llama-3.2-1B-Instruct", "dataset": "tatsu-lab/alpaca",
                                                 "hf_token": "hf_" + "y" * 34})
            assert not ok.is_error, ok.content[0].text
            # Not enough free GPUs is not fatal: the job is created and waits.
            big = await confirmed_call(s, "run_container_job", {"image": "busybox", "num_nodes": 3, "gpus_per_node": 8})
            assert not big.is_error and any("Pending" in n for n in big.structured_content["notes"])
    run(body)
