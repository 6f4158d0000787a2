"""Fine-tuning backends end to end: the built server on the embedded cluster
simulator (which validates every TrainJob against the real CRD schema), the
default plugins (trainer, torchtune, trl, unsloth, ...) plus the third-party
LLaMA-Factory backend written in C, compiled here as its author would."""
import os
from contextlib import asynccontextmanager
from pathlib import Path

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from conftest import BINARY, ROOT, compile_c_plugin, plugin_dir
from mcp_client import run
from trainer_support import FAST, SimServer

LLAMAFACTORY = ROOT / "examples" / "llamafactory-backend" / "llamafactory_backend.c"
MODEL = "Qwen/Qwen2.5-1.5B-Instruct"
DATASET = "tatsu-lab/alpaca"
ALL_BACKENDS = {"torchtune", "trl", "unsloth", "llamafactory"}


@asynccontextmanager
async def backends_server(tmp_path: Path, *cluster: str, plugins: Path | None = None, extra: list[str] = []):
    """serve with the default plugins and a plugins dir (default: one holding the C backend),
    with `extra` arguments; on `cluster` (e.g. "--kubeconfig", path), else on --sim."""
    if plugins is None:
        plugins = plugin_dir(tmp_path)
        compile_c_plugin(LLAMAFACTORY, plugins / "libllamafactory_backend.so")
    errlog = tmp_path / "server-stderr.log"
    args = ["serve", *(cluster or ("--sim", "--sim-time-scale", str(FAST))), "--plugins-dir", str(plugins),
            "--audit-log", str(tmp_path / "audit.log"), "--log-level", "debug", *extra]
    params = StdioServerParameters(command=str(BINARY), args=args, env=dict(os.environ))
    with open(errlog, "w") as err:
        async with stdio_client(params, errlog=err) as (read, write):
            async with ClientSession(read, write) as s:
                await s.initialize()
                yield SimServer(s, errlog)


async def created_trainer(sim: SimServer, args: dict) -> tuple[dict, dict]:
    """fine_tune, then read the TrainJob back from the cluster: (result, spec)."""
    created = await sim.ok("fine_tune", {"model": MODEL, "dataset": DATASET, **args}, confirm=True)
    assert created["created"] is True
    spec = (await sim.ok("get_job_spec", {"job_id": created["job_id"]}))["object"]["spec"]
    return created, spec


def script_of(trainer: dict) -> str:
    assert trainer["command"][:2] == ["bash", "-c"]
    return trainer["command"][2]


def test_list_fine_tune_backends_shows_all_four(tmp_path):
    async def body():
        async with backends_server(tmp_path) as sim:
            r = await sim.call("list_fine_tune_backends", {})
            assert not r.is_error
            backends = {b["id"]: b for b in r.structured_content["backends"]}
            assert ALL_BACKENDS <= set(backends)
            assert backends["llamafactory"]["plugin"] == "llamafactory-backend"
            assert backends["unsloth"]["capabilities"]["memory_factor"] == 0.65
            assert backends["unsloth"]["capabilities"]["multi_node"] is False
            assert backends["trl"]["capabilities"]["runtime_selector"] == {
                "framework": "trl", "fallback_runtime": "torch-distributed", "image": "huggingface/trl"}
            for backend_id in ALL_BACKENDS:
                assert backend_id in r.content[0].text
            tools = {t.name: t for t in (await sim.session.list_tools()).tools}
            assert tools["list_fine_tune_backends"].annotations.read_only_hint is True
            assert tools["list_trl_trainer_types"].meta["kubeflow-mcp/category"] == "discovery"
    run(body)


def test_torchtune_still_uses_its_builtin_runtime(tmp_path):
    async def body():
        async with backends_server(tmp_path) as sim:
            created, spec = await created_trainer(sim, {"backend": "torchtune", "peft_method": "lora"})
            assert created["backend"] == "torchtune"
            assert created["runtime"].startswith("torchtune-")
            assert spec["trainer"]["command"] == ["tune", "run"]
    run(body)


def test_trl_sft_runs_on_torch_distributed_with_the_trl_image(tmp_path):
    async def body():
        async with backends_server(tmp_path) as sim:
            # The job reads the Hub token from Secret hf-token: without it a real cluster (and the
            # simulator) leaves the pods in CreateContainerConfigError; pre-flight checks it too.
            await sim.ok("setup_hf_credentials", {"token": "hf_" + "t" * 34})
            created, spec = await created_trainer(sim, {
                "backend": "trl", "peft_method": "qlora", "epochs": 2, "batch_size": 4, "learning_rate": 2e-5,
                "lora_rank": 8, "lora_alpha": 16, "num_nodes": 2, "gpus_per_node": 2,
                "hf_token_secret": "hf-token", "backend_options": {"gradient_checkpointing": True}})
            assert created["backend"] == "trl" and created["runtime"] == "torch-distributed"
            assert spec["runtimeRef"]["name"] == "torch-distributed"
            trainer = spec["trainer"]
            assert trainer["image"] == "huggingface/trl" and trainer["numNodes"] == 2
            script = script_of(trainer)
            assert "exec trl sft" in script
            for expected in ("--use_peft", "--load_in_4bit", "--lora_r 8", "--lora_alpha 16", "--num_train_epochs 2",
                             "--per_device_train_batch_size 4", "--learning_rate 2e-05", "--gradient_checkpointing",
                             '--machine_rank "$NODE_RANK"', '--main_process_ip "$MASTER_ADDR"'):
                assert expected in script, expected
            # No model initializer on this runtime: the trainer gets the Hub token itself.
            assert {"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf-token", "key": "token"}}} \
                in trainer["env"]
            done = await sim.ok("wait_for_completion", {"job_id": created["job_id"], "timeout_seconds": 120})
            assert done["status"] == "Complete", done
    run(body)


def test_trl_dpo_and_unknown_backend_options(tmp_path):
    async def body():
        async with backends_server(tmp_path) as sim:
            _, spec = await created_trainer(sim, {"backend": "trl", "peft_method": "lora",
                                                  "backend_options": {"trainer_type": "dpo", "beta": 0.1}})
            assert "exec trl dpo" in script_of(spec["trainer"]) and "--beta 0.1" in script_of(spec["trainer"])
            text = await sim.error("fine_tune", {"model": MODEL, "dataset": DATASET, "backend": "trl",
                                                 "backend_options": {"trainer_typ": "dpo"}}, confirm=True)
            assert "trainer_typ" in text and "trainer_type" in text
    run(body)


def test_unsloth_runs_a_generated_script_on_one_node(tmp_path):
    async def body():
        async with backends_server(tmp_path) as sim:
            created, spec = await created_trainer(sim, {"backend": "unsloth", "peft_method": "qlora",
                                                        "lora_rank": 16, "gpus_per_node": 1})
            assert created["runtime"] == "torch-distributed"
            trainer = spec["trainer"]
            assert trainer["image"] == "unsloth/unsloth" and trainer["numNodes"] == 1
            script = script_of(trainer)
            assert "<<'KFMCP_UNSLOTH_SCRIPT'" in script and "python /tmp/kfmcp/unsloth_train.py" in script
            assert "FastLanguageModel.from_pretrained(" in script and "load_in_4bit=True" in script
            assert "r=16," in script
    run(body)


def test_unsloth_refuses_two_nodes(tmp_path):
    async def body():
        async with backends_server(tmp_path) as sim:
            text = await sim.error("fine_tune", {"model": MODEL, "dataset": DATASET, "backend": "unsloth",
                                                 "num_nodes": 2}, confirm=True)
            assert "single node" in text and "num_nodes" in text
            assert (await sim.ok("list_training_jobs", {})).get("jobs", []) == []
    run(body)


def test_c_llamafactory_backend_builds_a_valid_trainjob(tmp_path):
    async def body():
        async with backends_server(tmp_path) as sim:
            created, spec = await created_trainer(sim, {"backend": "llamafactory", "peft_method": "lora",
                                                        "epochs": 2, "lora_rank": 8, "num_nodes": 2})
            assert created["backend"] == "llamafactory" and created["runtime"] == "torch-distributed"
            trainer = spec["trainer"]
            assert trainer["image"] == "hiyouga/llamafactory:latest" and trainer["numNodes"] == 2
            script = script_of(trainer)
            for expected in ("stage: sft", "do_train: true", "finetuning_type: lora", "lora_rank: 8",
                             "num_train_epochs: 2.0", "dataset_dir: ", "output_dir: ", "template: 'qwen'",
                             "exec llamafactory-cli train /workspace/config.yaml"):
                assert expected in script, expected
            text = await sim.error("fine_tune", {"model": MODEL, "dataset": DATASET, "backend": "llamafactory",
                                                 "backend_options": {"cutoff": 1}}, confirm=True)
            assert "backend_options.cutoff is not an option" in text
    run(body)


def test_unknown_backend_lists_the_loaded_ones(tmp_path):
    async def body():
        async with backends_server(tmp_path) as sim:
            text = await sim.error("fine_tune", {"model": MODEL, "dataset": DATASET, "backend": "axolotl"}, confirm=True)
            assert "axolotl" in text
            for backend_id in ALL_BACKENDS:
                assert backend_id in text, text
    run(body)


def test_no_backend_is_named_in_the_dispatching_code():
    """fine_tune and the planner reach backends only through the host: no backend
    id appears in their code (comments aside), so a new backend plugin needs no
    change there. (The Trainer's runtime parsing keeps the SDK's own rule that a
    `torchtune`-labelled runtime is a BuiltinTrainer runtime.)"""
    import re
    from conftest import ROOT
    files = [ROOT / "Sources/Plugins/Trainer/Tools" / f
             for f in ("FineTune.swift", "BackendRuntimeSelector.swift", "ListFineTuneBackends.swift", "TrainingTools.swift",
                       "RunCustomTraining.swift", "RunContainerJob.swift", "Preflight.swift", "FineTuneDefaults.swift",
                       "ListCheckpoints.swift")]
    files += list((ROOT / "Sources/Plugins/Planning").rglob("*.swift"))
    names = re.compile(r"torchtune|unsloth|llamafactory|\btrl\b", re.IGNORECASE)
    offending = []
    for path in files:
        for n, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("//", 1)[0]
            if names.search(code):
                offending.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offending == [], "\n".join(offending)
