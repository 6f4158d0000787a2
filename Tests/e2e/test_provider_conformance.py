"""The conformance suite of provider kind `kfmcp.provider/finetune-backend/1`
(docs/finetune-backend.md), run through the built server on the embedded
simulator against every first-party backend (torchtune, trl, unsloth), the C
example (LLaMA-Factory) and a backend built against the frozen ABI 1.0 header
(Tests/CPlugins/backend_1_0.c), which must keep working unchanged: the host
keeps speaking /1 to it, in the host's process and in a sandboxed child."""
import json
import os
from pathlib import Path

import pytest
from conftest import ROOT, compile_c_plugin, in_process_policy, plugin_dir, run_cli
from mcp_client import run
from test_backends import DATASET, LLAMAFACTORY, MODEL, backends_server

KIND = "kfmcp.provider/finetune-backend/1"
ABI_1_0 = ROOT / "Tests" / "CPlugins" / "abi-1.0"
BACKEND_1_0 = ROOT / "Tests" / "CPlugins" / "backend_1_0.c"
EVERY_BACKEND = ["torchtune", "trl", "unsloth", "llamafactory", "tiny10"]
METHODS = {"lora", "qlora", "full"}


def third_party_plugins(tmp_path: Path, isolation: str = "process") -> tuple[Path, list[str]]:
    """A plugins dir with the C example and the 1.0 backend; the extra serve
    arguments (an operator's policy letting the 1.0 backend run in-process)."""
    d = plugin_dir(tmp_path)
    compile_c_plugin(LLAMAFACTORY, d / "libllamafactory_backend.so")
    compile_c_plugin(BACKEND_1_0, d / "libtiny10.so", header_dir=ABI_1_0)
    if isolation == "in-process":
        (d / "tiny10.yaml").write_text("library: libtiny10.so\nisolation: in-process\n")
        return d, ["--policy", str(in_process_policy(tmp_path, "libtiny10.so"))]
    return d, []


def server(tmp_path: Path, isolation: str = "process", plugins: tuple[Path, list[str]] | None = None):
    """serve on the simulator with the default plugins and the third-party backends."""
    directory, extra = plugins or third_party_plugins(tmp_path, isolation)
    return backends_server(tmp_path, plugins=directory, extra=extra)


@pytest.mark.parametrize("isolation", ["process", "in-process"])
def test_a_backend_built_against_abi_1_0_runs_fine_tune_to_complete(tmp_path, isolation):
    """Issue 27: pre-flight asked build_trainer without `runtimes`, the 1.0 backend
    answered field "runtime", and fine_tune failed before creating anything."""
    plugins, extra = third_party_plugins(tmp_path, isolation)
    env = {**os.environ, "KFMCP_POLICY": extra[1]} if extra else None
    listed = json.loads(run_cli("plugins", "list", "--json", "--plugins-dir", str(plugins), env=env).stdout)
    stderr = ""
    record = [p for p in listed if p.get("id") == "tiny10-backend"]
    assert record and record[0]["status"] == "loaded", (listed, stderr)
    assert record[0]["abi"] == "1.0" and record[0]["isolation"] == isolation

    async def body():
        async with server(tmp_path, plugins=(plugins, extra)) as sim:
            created = await sim.create("fine_tune", {"model": MODEL, "dataset": DATASET, "backend": "tiny10"})
            assert created["created"] is True and created["backend"] == "tiny10", created
            assert created["runtime"] == "torch-distributed"
            assert created["estimate"] == {"recommended_gpus": 1}
            done = await sim.ok("wait_for_completion", {"job_id": created["job_id"], "timeout_seconds": 120})
            assert done["status"] == "Complete", done
            # The runtime named by the user reaches the 1.0 backend in the list too (pre-flight included).
            named = await sim.create("fine_tune", {"model": MODEL, "dataset": DATASET, "backend": "tiny10",
                                                   "runtime": "torch-distributed", "name": "tiny-named"})
            assert named["created"] is True and named["runtime"] == "torch-distributed", named
    run(body)


def test_every_backend_declares_the_capabilities_of_its_kind(tmp_path):
    async def body():
        async with server(tmp_path) as sim:
            backends = {b["id"]: b for b in (await sim.ok("list_fine_tune_backends", {}))["backends"]}
            assert set(EVERY_BACKEND) <= set(backends), sorted(backends)
            for backend_id in EVERY_BACKEND:
                caps = backends[backend_id]["capabilities"]
                assert caps.get("kind", KIND) == KIND, backend_id
                assert isinstance(caps["methods"], list) and set(caps["methods"]) <= METHODS and caps["methods"], backend_id
                assert isinstance(caps["multi_node"], bool), backend_id
                assert isinstance(caps["memory_factor"], (int, float)) and caps["memory_factor"] > 0, backend_id
                selector = caps.get("runtime_selector", {})
                assert isinstance(selector, dict), backend_id
                for key in ("framework", "fallback_runtime", "image"):
                    assert key not in selector or isinstance(selector[key], str), (backend_id, key)
                for name, option in caps.get("backend_options", {}).items():
                    assert isinstance(option.get("description"), str), (backend_id, name)
                assert isinstance(caps.get("default", False), bool), backend_id
    run(body)


@pytest.mark.parametrize("backend_id", EVERY_BACKEND)
def test_build_trainer_and_estimate_answer_as_the_contract_says(tmp_path, backend_id):
    """build_trainer's answer becomes an admitted TrainJob (the simulator runs
    Trainer v2.3.0's webhooks on the dry run); estimate's recommended_gpus is an
    integer >= 1; a runtime the backend cannot run on is refused naming `runtime`;
    an unknown backend option is refused naming `backend_options`."""
    async def body():
        async with server(tmp_path) as sim:
            base = {"model": MODEL, "dataset": DATASET, "backend": backend_id}
            preview = await sim.ok("fine_tune", {**base, "dry_run": True})
            assert preview["backend"] == backend_id
            spec = preview["trainjob"]["spec"]
            assert spec["runtimeRef"]["name"] == preview["runtime"]
            assert isinstance(spec["trainer"], dict) and spec["trainer"], spec
            gpus = preview["estimate"]["recommended_gpus"]
            assert isinstance(gpus, int) and gpus >= 1, preview["estimate"]

            r = await sim.call("fine_tune", {**base, "runtime": "deepspeed-distributed", "dry_run": True})
            assert r.is_error and "runtime" in r.content[0].text, r.content[0].text

            r = await sim.call("fine_tune", {**base, "backend_options": {"no_such_option": 1}, "dry_run": True})
            assert r.is_error and "backend_options" in r.content[0].text, r.content[0].text
    run(body)
