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
        async with session("--sim", env={"HF_HUB_OFFLINE": "1"}) as s:
            r = await s.call_tool("estimate_resources", {"model": "Qwen/Qwen2.5-7B-Instruct", "method": "lora"})
            e = r.structured_content
            assert 10 < e["gpu_memory_gb_per_gpu"] < 40
            assert set(e["breakdown"]) >= {"weights", "gradients", "optimizer", "adapters", "activations", "logits", "overhead"}
            assert e["feasible"] is True and e["fits_on"]
            rng = e["gpu_memory_gb_range"]
            assert rng["low"] < e["gpu_memory_gb_per_gpu"] < rng["high"] and len(e["dominant_terms"]) == 3
            # The recommendation holds the high end, on a GPU type the cluster has.
            assert e["fits_on"][e["recommended_gpu_type"]] == e["recommended_gpus"] == 1
            assert e["gpu_memory_gb_high_by_count"]["1"] <= 0.95 * 80
            assert {t["gpu_product"] for t in e["by_node_type"]} == {"NVIDIA-A100-SXM4-80GB", "NVIDIA-H100-80GB-HBM3"}
            assert e["recommended_gpu_type"] == "A100-80GB"  # not the H100 for a job that fits either
            # The backend's memory profile and the user's settings change the answer.
            # (On one GPU torchtune's single-device recipe brings paged 8-bit AdamW; AdamW is asked for here.)
            tt = await s.call_tool("estimate_resources", {"model": "meta-llama/Llama-3.1-8B", "method": "full", "backend": "torchtune",
                                                          "optimizer": "adamw", "check_cluster": False})
            lean = await s.call_tool("estimate_resources", {"model": "meta-llama/Llama-3.1-8B", "method": "full", "backend": "torchtune",
                                                            "optimizer": "paged_adamw_8bit", "max_seq_len": 4096,
                                                            "activation_offloading": True, "check_cluster": False})
            assert tt.structured_content["memory_profile"]["loss"] == "chunked"
            assert lean.structured_content["memory_profile"]["optimizer"] == "paged_adamw_8bit"
            assert lean.structured_content["seq_len"] == 4096
            assert lean.structured_content["breakdown"]["optimizer"] < tt.structured_content["breakdown"]["optimizer"]
            for bad in ({"optimizer": "lion"}, {"max_seq_len": 0}, {"packed": "yes"}, {"cpu_offload": 1}):
                r = await s.call_tool("estimate_resources", {"model": "Qwen/Qwen2.5-7B", **bad})
                assert r.is_error, bad
            full = await s.call_tool("estimate_resources", {"model": "meta-llama/Llama-3.1-70B-Instruct", "method": "full"})
            assert full.structured_content["gpu_memory_gb_per_gpu"] > e["gpu_memory_gb_per_gpu"]
            unknown = await s.call_tool("estimate_resources", {"model": "nobody/unknown-model"})
            assert unknown.is_error and "params_billion" in unknown.content[0].text and "HF_HUB_OFFLINE" in unknown.content[0].text
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


class FakeHub:
    """A local stand-in for the Hugging Face Hub: config.json for acme/Tiny-3B, 404 otherwise."""
    CONFIG = {"model_type": "llama", "hidden_size": 3072, "num_hidden_layers": 28, "num_attention_heads": 24,
              "num_key_value_heads": 8, "head_dim": 128, "intermediate_size": 8192, "vocab_size": 128256,
              "max_position_embeddings": 131072, "tie_word_embeddings": True}

    def __init__(self):
        import http.server
        import json as _json
        import threading
        hub = self
        hub.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                hub.requests.append(self.path)
                if self.path == "/acme/Tiny-3B/resolve/main/config.json":
                    body = _json.dumps(FakeHub.CONFIG).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                else:
                    self.send_error(404)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_models_outside_the_registry_come_from_the_hub(tmp_path):
    hub = FakeHub()
    env = {"HF_ENDPOINT": hub.url, "KFMCP_HF_CACHE_DIR": str(tmp_path / "hf"), "HF_HUB_OFFLINE": ""}

    async def body():
        async with session("--sim", env=env) as s:
            r = await s.call_tool("estimate_resources", {"model": "hf://acme/Tiny-3B", "method": "qlora", "batch_size": 1,
                                                       "check_cluster": False})
            assert not r.is_error, r.content[0].text
            e = r.structured_content
            assert e["model"]["params_billion"] == 3.21 and e["model"]["num_layers"] == 28
            assert any("config.json (fetched" in a for a in e["assumptions"])
            assert e["recommended_gpu_type"] in ("T4", "L4", "A10G")  # a small job gets a small GPU
            missing = await s.call_tool("estimate_resources", {"model": "acme/Missing-7B"})
            assert missing.is_error and "params_billion" in missing.content[0].text and "404" in missing.content[0].text
            for hostile in ("acme/../../etc/passwd", "acme/x?y=1", "http://evil.example/a/b"):
                r = await s.call_tool("estimate_resources", {"model": hostile})
                assert r.is_error
        hub.close()
        assert all(p.startswith("/acme/") and ".." not in p for p in hub.requests), hub.requests
        # The hub is gone: the cached config still answers, and offline too.
        async with session("--sim", env={**env, "HF_HUB_OFFLINE": "1"}) as s:
            r = await s.call_tool("estimate_resources", {"model": "acme/Tiny-3B", "check_cluster": False})
            assert not r.is_error and any("config.json (cached)" in a for a in r.structured_content["assumptions"])
    try:
        run(body)
    finally:
        hub.close()
