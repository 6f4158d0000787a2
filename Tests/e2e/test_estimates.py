"""One memory estimator: fine_tune's preview carries its backend's `estimate`,
and that figure is estimate_resources' for the same job, for every first-party
backend (both run the planner's memory model, MemoryKit, on the backend's
declared memory profile). Through the built server, its dlopen'd plugins and
the official MCP client, on the embedded cluster simulator."""
import os
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from conftest import BINARY
from mcp_client import run
from trainer_support import FAST, SimServer

DATASET = "tatsu-lab/alpaca"


@asynccontextmanager
async def server(tmp_path: Path):
    errlog = tmp_path / "server-stderr.log"
    args = ["serve", "--sim", "--sim-time-scale", str(FAST), "--audit-log", str(tmp_path / "audit.log")]
    # Offline: a model outside the registry must not reach for the Hub.
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "KFMCP_HF_CACHE_DIR": str(tmp_path / "hf")}
    with open(errlog, "w") as err:
        async with stdio_client(StdioServerParameters(command=str(BINARY), args=args, env=env), errlog=err) as (r, w):
            async with ClientSession(r, w) as s:
                await s.initialize()
                yield SimServer(s, errlog)


async def preview_estimate(sim: SimServer, job: dict) -> dict:
    """fine_tune's preview (dry_run: built, not created) and the estimate it carries."""
    answer = await sim.ok("fine_tune", {"dataset": DATASET, "dry_run": True, **job})
    assert answer.get("estimate"), answer
    return answer["estimate"]


# (backend, fine_tune's arguments, the same job in estimate_resources' words)
JOBS = [
    # Defaults on both sides: fine_tune's batch 4 and rank 16 are estimate_resources' for builtin.
    ("torchtune", {"model": "Qwen/Qwen2.5-1.5B-Instruct", "peft_method": "lora"},
     {"model": "Qwen/Qwen2.5-1.5B-Instruct", "method": "lora"}),
    ("torchtune", {"model": "Qwen/Qwen2.5-1.5B-Instruct", "peft_method": "full", "batch_size": 2, "gpus_per_node": 2},
     {"model": "Qwen/Qwen2.5-1.5B-Instruct", "method": "full", "batch_size": 2, "gpus_per_node": 2}),
    ("trl", {"model": "Qwen/Qwen2.5-1.5B-Instruct", "peft_method": "qlora", "lora_rank": 8, "gpus_per_node": 2},
     {"model": "Qwen/Qwen2.5-1.5B-Instruct", "peft_method": "qlora", "batch_size": 4, "lora_rank": 8,
      "gpus_per_node": 2}),
    ("unsloth", {"model": "Qwen/Qwen2.5-1.5B-Instruct", "peft_method": "lora", "batch_size": 8},
     {"model": "Qwen/Qwen2.5-1.5B-Instruct", "method": "lora", "batch_size": 8, "lora_rank": 16}),
    # TRL's DPO trainer is estimate_resources' objective dpo: chosen and rejected sequences.
    ("trl", {"model": "Qwen/Qwen2.5-1.5B-Instruct", "peft_method": "lora", "batch_size": 2,
             "backend_options": {"trainer_type": "dpo"}},
     {"model": "Qwen/Qwen2.5-1.5B-Instruct", "method": "lora", "batch_size": 2, "lora_rank": 16, "objective": "dpo"}),
]


def test_fine_tune_preview_and_estimate_resources_give_the_same_figure(tmp_path):
    async def body():
        async with server(tmp_path) as sim:
            for backend, job, same in JOBS:
                preview = await preview_estimate(sim, {"backend": backend, **job})
                planned = await sim.ok("estimate_resources", {"backend": backend, "check_cluster": False, **same})
                for key in ("gpu_memory_gb_per_gpu", "gpu_memory_gb_range", "breakdown", "memory_profile",
                            "trainable_parameters"):
                    assert preview[key] == planned[key], (backend, job, key, preview[key], planned[key])
                assert preview["backend"] == backend
    run(body)


def test_the_backend_profile_changes_the_figure(tmp_path):
    """Not one number for every stack: Unsloth's fused loss and offloaded checkpoints need less."""
    async def body():
        async with server(tmp_path) as sim:
            job = {"model": "Qwen/Qwen2.5-7B-Instruct", "peft_method": "qlora", "batch_size": 8}
            unsloth = await preview_estimate(sim, {"backend": "unsloth", **job})
            trl = await preview_estimate(sim, {"backend": "trl", **job})
            assert unsloth["gpu_memory_gb_per_gpu"] < trl["gpu_memory_gb_per_gpu"]
            assert unsloth["breakdown"]["logits"] < trl["breakdown"]["logits"]
    run(body)


def test_a_model_outside_the_registry_still_previews(tmp_path):
    """Offline and unknown: the backend's estimate fails the way estimate_resources does (asking for
    params_billion), and fine_tune still builds its preview, without an estimate."""
    async def body():
        async with server(tmp_path) as sim:
            answer = await sim.ok("fine_tune", {"model": "acme/Mystery-9B", "dataset": DATASET, "backend": "trl",
                                                "dry_run": True})
            assert "estimate" not in answer
            text = await sim.error("estimate_resources", {"model": "acme/Mystery-9B", "check_cluster": False})
            assert "params_billion" in text
    run(body)


def test_the_confirmation_preview_carries_the_same_figure(tmp_path):
    """What the user sees before agreeing (the preview a confirmation shows) holds the same estimate."""
    async def body():
        async with server(tmp_path) as sim:
            job = {"model": "Qwen/Qwen2.5-1.5B-Instruct", "dataset": DATASET, "backend": "trl", "peft_method": "lora"}
            first = await sim.session.call_tool("fine_tune", job)
            preview = first.structured_content or {}
            assert preview.get("confirmation_token"), preview
            planned = await sim.ok("estimate_resources", {"model": "Qwen/Qwen2.5-1.5B-Instruct", "method": "lora",
                                                          "backend": "trl", "check_cluster": False})
            shown = preview["result_of_dry_run"]["estimate"]
            for key in ("gpu_memory_gb_per_gpu", "gpu_memory_gb_range", "breakdown"):
                assert shown[key] == planned[key], (key, shown[key], planned[key])
    run(body)


def test_objectives_and_encoder_decoders_through_the_server(tmp_path):
    """DPO doubles what the batch holds; an encoder-decoder's logits follow its target length;
    hostile values are refused naming the field."""
    async def body():
        async with server(tmp_path) as sim:
            base = {"model": "Qwen/Qwen2.5-1.5B", "method": "lora", "batch_size": 2, "check_cluster": False}
            sft = await sim.ok("estimate_resources", base)
            dpo = await sim.ok("estimate_resources", {**base, "objective": "dpo"})
            assert dpo["breakdown"]["logits"] > 1.9 * sft["breakdown"]["logits"]
            assert any("DPO" in a for a in dpo["assumptions"])
            t5 = {"model": "bigscience/mt0-xxl", "method": "lora", "batch_size": 8, "max_seq_len": 512,
                  "check_cluster": False}
            short = await sim.ok("estimate_resources", {**t5, "max_target_len": 8})
            long = await sim.ok("estimate_resources", {**t5, "max_target_len": 512})
            assert short["breakdown"]["logits"] < long["breakdown"]["logits"]
            assert any("Encoder-decoder" in a for a in short["assumptions"])
            for bad in ({"objective": "ppo"}, {"max_target_len": 0}, {"max_target_len": "long"}):
                text = await sim.error("estimate_resources", {**base, **bad})
                assert next(iter(bad)) in text, (bad, text)
    run(body)
