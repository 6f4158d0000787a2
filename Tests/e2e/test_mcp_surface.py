"""The MCP surface clients see (issue 30): every first-party tool declares an
outputSchema and its real results satisfy it (checked here with jsonschema,
and by the official client on every call), a preview says in its
structuredContent that it is one, summaries show the runtime's GPUs, progress
is rounded with a total, waits stay under client read timeouts, an alias and a
schema default never conflict, and descriptions name only real tools."""
import re

from jsonschema import Draft202012Validator

from mcp_client import run, session

FIRST_PARTY = {"trainer", "torchtune", "trl", "unsloth", "planning", "optimizer", "registry"}
SIM = ("--sim", "--sim-time-scale", "100")

# An experiment the simulator runs in seconds (the SDK's own call, test_optimizer.py).
TRAIN_FN = "def train(learning_rate: float = 0.01):\n    print('lr', learning_rate)\n"
EXPERIMENT = {
    "trial_template": {"tool": "run_custom_training", "arguments": {
        "func": TRAIN_FN, "num_nodes": 1, "resources_per_node": {"gpu": 1}, "runtime": "torch-distributed"}},
    "search_space": {"learning_rate": {"loguniform": [1e-5, 1e-2]}},
    "num_trials": 2, "parallel_trials": 2,
}


def valid(tools, name, structured):
    """structured satisfies the tool's listed outputSchema (raises naming the path otherwise)."""
    schema = tools[name].output_schema
    Draft202012Validator.check_schema(schema)
    errors = sorted(Draft202012Validator(schema).iter_errors(structured), key=lambda e: list(e.path))
    assert not errors, f"{name}: {errors[0].message} at {list(errors[0].path)}"
    return structured


async def listed(s):
    return {t.name: t for t in (await s.list_tools()).tools}


def test_every_first_party_tool_declares_an_output_schema(sample_and_c_plugins):
    async def body():
        async with session(*SIM) as s:
            tools = await listed(s)
        plugins = {t.meta["kubeflow-mcp/plugin"] for t in tools.values()}
        assert FIRST_PARTY <= plugins, plugins
        for tool in tools.values():
            assert tool.output_schema, f"{tool.name} declares no outputSchema"
            Draft202012Validator.check_schema(tool.output_schema)
            assert tool.output_schema["type"] == "object"
        async with session("--no-default-plugins", "--plugins-dir", str(sample_and_c_plugins)) as s:
            sample = {n: t for n, t in (await listed(s)).items() if n.startswith("sample_")}
        assert sample and all(t.output_schema for t in sample.values())
    run(body)


def test_descriptions_name_only_real_tools_and_aliases_have_no_default():
    verbs = "list|get|create|delete|run|wait|estimate|check|validate|suggest|register|update|setup|suspend|resume|fine"
    async def body():
        async with session(*SIM) as s:
            tools = await listed(s)
        # Argument and result fields may share a tool's verb_noun shape (resume_from_checkpoint).
        fields = {k for t in tools.values() for schema in (t.input_schema, t.output_schema or {})
                  for k in schema.get("properties", {})}
        for tool in tools.values():
            texts = [tool.description] + [p.get("description", "") for p in tool.input_schema["properties"].values()]
            for text in texts:
                for word in re.findall(rf"\b(?:{verbs})_[a-z_]*[a-z]\b", text):
                    assert word in tools or word in fields, f"{tool.name} names {word}, not a tool"
            props = tool.input_schema["properties"]
            for name, prop in props.items():
                alias = re.match(r"Alias of (\w+)", prop.get("description", ""))
                if alias:  # a bridge that sends defaults would send both
                    assert "default" not in prop and "default" not in props[alias.group(1)], (tool.name, name)
    run(body)


def test_real_results_satisfy_the_declared_schemas():
    async def body():
        async with session(*SIM) as s:
            tools = await listed(s)
            seen = set()

            async def ok(name, args):
                r = await s.call_tool(name, args)
                assert not r.is_error, f"{name}: {r.content[0].text[:400]}"
                seen.add(name)
                return valid(tools, name, r.structured_content)

            for name, args in [
                ("get_cluster_info", {}), ("get_cluster_info", {"doctor": True}), ("get_cluster_resources", {}),
                ("list_training_runtimes", {}), ("list_training_jobs", {}), ("list_fine_tune_backends", {}),
                ("list_backend_recipes", {}), ("list_trl_trainer_types", {}), ("list_unsloth_options", {}),
                ("list_model_registry", {}), ("list_experiments", {}), ("list_models", {}),
                ("get_runtime_spec", {"name": "torch-distributed"}),
                ("estimate_resources", {"model": "Qwen/Qwen2.5-1.5B-Instruct"}),
                ("validate_config", {"model": "Qwen/Qwen2.5-1.5B-Instruct", "dataset": "tatsu-lab/alpaca"}),
                ("check_prerequisites", {"model": "Qwen/Qwen2.5-1.5B-Instruct"}),
                ("suggest_hyperparameters", {"model": "Qwen/Qwen2.5-1.5B-Instruct", "method": "lora"}),
                ("run_custom_training", {"func": TRAIN_FN, "dry_run": True}),
                ("run_container_job", {"image": "busybox:1.36", "command": ["true"], "dry_run": True}),
                ("fine_tune", {"model": "Qwen/Qwen2.5-1.5B-Instruct", "dataset": "tatsu-lab/alpaca", "dry_run": True}),
                ("create_experiment", {**EXPERIMENT, "dry_run": True}),
            ]:
                await ok(name, args)

            # The preview is the host's answer: it says so, and what the person confirms.
            args = {"model": "Qwen/Qwen2.5-1.5B-Instruct", "dataset": "tatsu-lab/alpaca"}
            preview = await ok("fine_tune", args)
            assert preview["preview"] is True and preview["status"] == "needs_confirmation"
            assert "needs the user's confirmation" in preview["message"] and "Nothing was created" in preview["message"]
            assert preview["to_confirm"].startswith("fine_tune wants to:") and preview["to_confirm"].endswith("Proceed?")
            created = await ok("fine_tune", {**args, "confirm": preview["confirmation_token"]})
            job = created["job_id"]
            for name in ("get_training_job", "get_job_spec", "get_training_progress", "get_job_events", "list_checkpoints"):
                await ok(name, {"job_id": job})
            for name in ("suspend_job", "resume_job"):  # while it runs
                await ok(name, {"job_id": job})

            progress = []

            async def on_progress(value, total, message):
                progress.append((value, total))

            r = await s.call_tool("wait_for_completion", {"job_id": job, "timeout_seconds": 120},
                                  progress_callback=on_progress)
            assert valid(tools, "wait_for_completion", r.structured_content)["status"] == "Complete"
            seen.add("wait_for_completion")
            assert progress and all(total == 100 for _, total in progress), progress
            assert all(value == round(value, 2) for value, _ in progress), progress
            assert [v for v, _ in progress] == sorted(v for v, _ in progress)
            await ok("get_training_logs", {"job_id": job})
            token = (await ok("delete_job", {"job_id": job}))["confirmation_token"]
            await ok("delete_job", {"job_id": job, "confirm": token})

            token = (await ok("create_experiment", {**EXPERIMENT, "name": "schema-exp"}))["confirmation_token"]
            await ok("create_experiment", {**EXPERIMENT, "name": "schema-exp", "confirm": token})
            await ok("get_experiment_status", {"name": "schema-exp", "wait": True, "timeout_seconds": 120})
            await ok("get_experiment_trials", {"name": "schema-exp"})
            token = (await ok("delete_experiment", {"name": "schema-exp"}))["confirmation_token"]
            await ok("delete_experiment", {"name": "schema-exp", "confirm": token})
            assert len(seen) >= 30, sorted(set(tools) - seen)
    run(body)


def test_a_summary_shows_the_runtimes_gpus_when_the_job_sets_none():
    async def body():
        async with session(*SIM) as s:
            runtimes = (await s.call_tool("list_training_runtimes", {})).structured_content["runtimes"]
            picked = next(r for r in runtimes if r["name"] == "torchtune-qwen2.5-1.5b")
            assert picked["device"] == "gpu" and picked["device_count"] == "2"  # 1 node × 2 GPUs
            r = await s.call_tool("fine_tune", {"model": "Qwen/Qwen2.5-1.5B-Instruct", "dataset": "tatsu-lab/alpaca"})
            assert r.structured_content["result_of_dry_run"]["runtime"] == picked["name"]
            summary = r.structured_content["summary"]
            spec = r.structured_content["would_send"][0]["body"]["spec"].get("trainer", {})
            assert "resourcesPerNode" not in spec, spec  # the job sets none: the runtime's apply
            assert summary.endswith("on runtime torchtune-qwen2.5-1.5b: 1 node(s) × 2 GPU (the runtime's resources)"), summary
    run(body)


def test_wait_stays_under_client_read_timeouts_and_method_aliases_agree():
    async def body():
        async with session(*SIM) as s:
            tools = await listed(s)
            wait = tools["wait_for_completion"]
            assert wait.input_schema["properties"]["timeout_seconds"]["default"] <= 240
            assert "call it again" in wait.description
            base = {"model": "Qwen/Qwen2.5-1.5B-Instruct", "dataset": "tatsu-lab/alpaca", "dry_run": True}
            # An OpenAPI bridge sends both names: the same method is one method.
            assert "default" not in tools["fine_tune"].input_schema["properties"]["peft_method"]
            both = await s.call_tool("fine_tune", {**base, "method": "lora", "peft_method": "lora"})
            assert not both.is_error and both.structured_content["peft_method"] == "lora", both.content[0].text
            clash = await s.call_tool("fine_tune", {**base, "method": "lora", "peft_method": "full"})
            assert clash.is_error and "disagree" in clash.content[0].text
    run(body)


def test_fastmcp_reads_results_and_previews_through_the_declared_schemas(tmp_path):
    """fastmcp builds a type from each outputSchema and parses structuredContent with it (over HTTP)."""
    import fastmcp
    from fastmcp.client.transports import StreamableHttpTransport
    from http_support import ADMIN, http_server

    with http_server(tmp_path, "--auth", "kubernetes") as server:
        async def body():
            async with fastmcp.Client(StreamableHttpTransport(server.url, auth=ADMIN)) as client:
                tools = {t.name: t for t in await client.list_tools()}
                assert all(t.outputSchema for t in tools.values())
                info = await client.call_tool("get_cluster_info", {})
                valid(tools, "get_cluster_info", info.structured_content)
                preview = await client.call_tool("fine_tune", {"model": "Qwen/Qwen2.5-1.5B-Instruct",
                                                               "dataset": "tatsu-lab/alpaca"})
                shown = valid(tools, "fine_tune", preview.structured_content)
                assert shown["status"] == "needs_confirmation" and shown["confirmation_token"]
        run(body)


def test_initialize_advertises_exactly_what_answers():
    """Tools, logging, resources (with subscribe), prompts and completions are advertised, and each answers."""
    async def body():
        async with session(*SIM) as s:
            caps = s.init_result.capabilities
            assert caps.tools is not None and caps.logging is not None
            assert caps.resources is not None and caps.resources.subscribe and caps.prompts is not None
            assert caps.completions is not None
            assert (await s.list_prompts()).prompts and (await s.list_resources()).resources
            assert (await s.list_resource_templates()).resource_templates
    run(body)
