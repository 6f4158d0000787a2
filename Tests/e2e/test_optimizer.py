"""The optimizer plugin end to end: built binary, official MCP client, the
embedded simulator (which runs Katib experiments: suggestions, trials as
TrainJobs, metrics, currentOptimalTrial).

- The Experiment the preview would POST equals the SDK 0.5.0's for the same
  OptimizerClient.optimize call (Tests/Fixtures/sdk-reference/h_optimizer_*.json, i_optimizer_*.json),
  except the host's owner stamps; its trial TrainJob is made by run_custom_training.
- An experiment runs: created (confirmed) → status with MCP progress → trials listed →
  Succeeded with the best trial's parameters → deleted (confirmed), trials and jobs with it.
- Invalid requests are refused before anything is sent, naming the field."""
import json
import subprocess

import pytest

from mcp_client import run, session
from trainer_support import first_difference, golden_post_body, sim_server, without_owner

OPTIMIZER = ("libkfmcp-trainer.so", "libkfmcp-torchtune.so", "libkfmcp-optimizer.so", "libkfmcp-planning.so")
EXPERIMENTS = "/apis/kubeflow.org/v1beta1/namespaces/default/experiments"
NAME = "mabcdef01234"

TRAIN_FN = '''def train_fn(learning_rate: float, epochs: int):
    import torch.distributed as dist

    dist.init_process_group(backend="nccl")
    print(f"rank={dist.get_rank()} lr={learning_rate} epochs={epochs}")
    dist.destroy_process_group()
'''

# The SDK call of h_optimizer_optimize, as tool arguments.
GOLDEN_ARGS = {
    "trial_template": {"tool": "run_custom_training", "arguments": {
        "func": TRAIN_FN, "func_file": "golden_funcs.py", "func_args": {"epochs": 2},
        "num_nodes": 1, "resources_per_node": {"gpu": 1}, "runtime": "torch-distributed"}},
    "search_space": {"learning_rate": {"loguniform": [1e-5, 1e-2]}},
    "num_trials": 6, "parallel_trials": 2, "max_failed_trials": 2,
    "objectives": [{"metric": "loss", "direction": "minimize"}, {"metric": "accuracy", "direction": "maximize"}],
    "algorithm": "random", "algorithm_settings": {"random_state": 42},
}


# The SDK call of i_optimizer_grid_defaults (recorded from kubeflow==0.5.0 in-process):
# defaults for objectives and trial counts, two choices walked by grid search.
GRID_ARGS = {
    "trial_template": {"tool": "run_custom_training", "arguments": {
        "func": TRAIN_FN, "func_file": "golden_funcs.py", "num_nodes": 2, "resources_per_node": {"gpu": 2}}},
    "search_space": {"learning_rate": {"choice": [0.001, 0.01]}, "epochs": {"choice": [1, 2, 3]}},
    "algorithm": "grid",
}


@pytest.mark.parametrize("case,args", [("h_optimizer_optimize", GOLDEN_ARGS), ("i_optimizer_grid_defaults", GRID_ARGS)])
def test_create_experiment_sends_the_sdks_experiment(case, args, tmp_path):
    expected = golden_post_body(case)

    async def body():
        async with sim_server(tmp_path, libraries=OPTIMIZER) as sim:
            preview = await sim.preview("create_experiment", {**args, "name": expected["metadata"]["name"]})
            posts = [w for w in preview["would_send"] if w["method"] == "POST"]
            assert [p["path"] for p in posts] == [EXPERIMENTS], preview["would_send"]  # the trial job is not created
            assert posts[0]["status"] == 201
            diff = first_difference(without_owner(posts[0]["body"]), expected)
            assert diff is None, diff
            assert (await sim.ok("list_experiments", {}))["count"] == 0
    run(body)


def test_experiment_runs_to_the_best_trial_and_is_deleted(tmp_path):
    async def body():
        async with sim_server(tmp_path, 400, libraries=OPTIMIZER) as sim:
            args = {**GOLDEN_ARGS, "max_failed_trials": 1,
                    "trial_template": {"tool": "run_custom_training", "arguments": {
                        "func": TRAIN_FN, "func_args": {"epochs": 2}, "resources_per_node": {"gpu": 1}}}}
            created = await sim.create("create_experiment", args)
            name = created["name"]
            assert created["created"] is True and name.startswith("tune-train-fn-")

            progress = []

            async def on_progress(p, total, message):
                progress.append((p, message))
            status = await sim.ok("get_experiment_status", {"name": name, "wait": True, "timeout_seconds": 120},
                                  progress_callback=on_progress)
            assert status["phase"] == "Succeeded", status
            assert status["trials"]["succeeded"] == 6 and status["trials"]["failed"] == 0
            assert status["progress_bar"].startswith("[####################] 6/6")
            assert progress and "trials done" in progress[-1][1]

            trials = await sim.ok("get_experiment_trials", {"name": name})
            assert trials["count"] == 6
            assert all(t["phase"] == "Succeeded" for t in trials["trials"])
            losses = {t["name"]: float(next(m["latest"] for m in t["metrics"] if m["name"] == "loss"))
                      for t in trials["trials"]}
            rates = {float(t["parameters"]["learning_rate"]) for t in trials["trials"]}
            assert len(rates) == 6 and all(1e-5 <= r <= 1e-2 for r in rates)
            best = status["best_trial"]
            assert best["name"] == min(losses, key=losses.get)
            assert 1e-5 <= float(best["parameters"]["learning_rate"]) <= 1e-2
            # Each trial ran a TrainJob made from the template with its learning rate in the call.
            job = await sim.ok("get_job_spec", {"job_id": best["name"]})
            script = job["object"]["spec"]["trainer"]["command"][2]
            assert f"train_fn(**{{'epochs': 2, 'learning_rate': '{best['parameters']['learning_rate']}'}})" in script

            listed = await sim.ok("list_experiments", {})
            assert [e["name"] for e in listed["experiments"]] == [name]

            preview = await sim.preview("delete_experiment", {"name": name})
            assert [w["method"] for w in preview["would_send"]] == ["DELETE"]
            deleted = await sim.create("delete_experiment", {"name": name})
            assert deleted["deleted"] is True
            assert (await sim.ok("list_experiments", {}))["count"] == 0

            async def jobs_gone():
                return (await sim.ok("list_training_jobs", {}))["count"] == 0
            await sim.until("the trials' TrainJobs to be deleted", jobs_gone)
            assert "not found" in (await sim.error("get_experiment_status", {"name": name})).lower()
    run(body)


def test_invalid_requests_are_refused_before_submission(tmp_path):
    base = {"trial_template": {"tool": "run_custom_training", "arguments": {"func": TRAIN_FN}},
            "search_space": {"learning_rate": {"loguniform": [1e-5, 1e-2]}}}
    cases = [
        ({"search_space": {"learning_rate": {"loguniform": [0, 1e-2]}}}, "search_space.learning_rate"),
        ({"search_space": {"batch_size": {"choice": []}}}, "search_space.batch_size"),
        ({"search_space": {"lr": {"uniform": [0.3, 0.1]}}}, "search_space.lr"),
        ({"search_space": {"x}; rm -rf /": {"uniform": [0, 1]}}}, "search_space"),
        ({"num_trials": 2, "parallel_trials": 3}, "parallel_trials"),
        ({"num_trials": 2, "max_failed_trials": 3}, "max_failed_trials"),
        ({"algorithm": "grid"}, "search_space.learning_rate"),
        ({"name": "Bad_Name"}, "name"),
        ({"name": "a" * 41}, "name"),
        ({"namespace": "../kube-system"}, "namespace"),
        ({"objectives": [{"metric": "loss"}, {"metric": "loss", "direction": "maximize"}]}, "objectives"),
        ({"trial_template": {"tool": "delete_job", "arguments": {}}}, "trial_template"),
        ({"trial_template": {"tool": "run_container_job", "arguments": {"image": "ghcr.io/x/y:1"}}},
         "search_space.learning_rate"),
        ({"trial_template": {"tool": "run_custom_training", "arguments": {"func": TRAIN_FN, "name": "x"}}},
         "trial_template.arguments.name"),
        ({"trial_template": {"tool": "fine_tune", "arguments": {"model": "m/x", "dataset": "d/y", "hf_token": "hf_SECRET"}}},
         "trial_template.arguments.hf_token"),
    ]

    async def body():
        async with sim_server(tmp_path, libraries=OPTIMIZER) as sim:
            mark = sim.log_mark()
            for change, field in cases:
                text = await sim.error("create_experiment", {**base, **change})
                assert field in text, (change, text)
            for tool, args, field in [("get_experiment_status", {"name": "../../secrets/x"}, "name"),
                                      ("get_experiment_trials", {"name": "x", "namespace": "Bad NS"}, "namespace"),
                                      ("delete_experiment", {"name": "x?watch=true"}, "name"),
                                      ("suggest_hyperparameters", {"method": "dora"}, "method")]:
                text = await sim.error(tool, args)
                assert field in text, (tool, text)
            writes = [(m, p) for m, p in sim.requests_since(mark) if m != "GET" and "selfsubject" not in p]
            assert writes == [], writes
            # A container trial gets its parameter where ${trialParameters.NAME} is written.
            ok = await sim.ok("create_experiment", {
                **base, "dry_run": True, "trial_template": {"tool": "run_container_job", "arguments": {
                    "image": "ghcr.io/x/y:1", "args": ["--lr=${trialParameters.learning_rate}"]}}})
            assert ok["experiment"]["spec"]["trialTemplate"]["trialSpec"]["spec"]["trainer"]["args"] == [
                "--lr=${trialParameters.learning_rate}"]
    run(body)


def test_suggested_search_space_is_accepted_as_is(tmp_path):
    async def body():
        async with sim_server(tmp_path, libraries=OPTIMIZER) as sim:
            s = await sim.ok("suggest_hyperparameters", {"model": "Qwen/Qwen2.5-72B", "method": "qlora"})
            assert s["params_billion"] > 70 and s["sources"]
            assert s["search_space"]["learning_rate"]["loguniform"][1] < 5e-4  # halved for a large model
            made = await sim.ok("create_experiment", {
                "trial_template": {"tool": "run_custom_training", "arguments": {"func": TRAIN_FN}},
                "search_space": s["search_space"], "objectives": s["objectives"], "algorithm": s["algorithm"],
                "num_trials": s["num_trials"], "parallel_trials": s["parallel_trials"], "dry_run": True, "confirm": True})
            assert {p["name"] for p in made["experiment"]["spec"]["parameters"]} == set(s["search_space"])
    run(body)


def test_personas_read_and_own_experiments(tmp_path, standalone_sim):
    # An experiment made outside kubeflow-mcp (kubectl): a data scientist may read it, not delete it.
    manifest = tmp_path / "experiment.yaml"
    manifest.write_text("apiVersion: kubeflow.org/v1beta1\nkind: Experiment\n"
                        "metadata: {name: someone-elses, namespace: default}\n"
                        "spec:\n  maxTrialCount: 1\n  parallelTrialCount: 1\n"
                        "  objective: {type: minimize, objectiveMetricName: loss}\n"
                        "  algorithm: {algorithmName: random}\n"
                        "  parameters: [{name: lr, parameterType: double, feasibleSpace: {min: '0.01', max: '0.1'}}]\n"
                        "  trialTemplate:\n    primaryContainerName: node\n"
                        "    trialParameters: [{name: lr, reference: lr}]\n"
                        "    trialSpec:\n      apiVersion: trainer.kubeflow.org/v1alpha1\n      kind: TrainJob\n"
                        "      spec:\n        runtimeRef: {name: torch-distributed}\n"
                        "        trainer: {image: busybox, args: ['--lr=${trialParameters.lr}']}\n")
    subprocess.run(["kubectl", "--kubeconfig", str(standalone_sim.kubeconfig), "create", "--validate=false",
                    "-f", str(manifest)], check=True, capture_output=True)

    async def body():
        async with session("--kubeconfig", str(standalone_sim.kubeconfig), "--persona", "readonly") as s:
            names = {t.name for t in (await s.list_tools()).tools}
            assert {"get_experiment_status", "list_experiments", "get_experiment_trials",
                    "suggest_hyperparameters"} <= names
            assert not {"create_experiment", "delete_experiment"} & names
        async with session("--kubeconfig", str(standalone_sim.kubeconfig), "--persona", "data-scientist") as s:
            r = await s.call_tool("get_experiment_status", {"name": "someone-elses"})
            assert not r.is_error, r.content[0].text
            r = await s.call_tool("delete_experiment", {"name": "someone-elses"})
            assert r.is_error and "not created through kubeflow-mcp" in r.content[0].text
    run(body)
    still = subprocess.run(["kubectl", "--kubeconfig", str(standalone_sim.kubeconfig), "get", "experiments.kubeflow.org",
                            "someone-elses", "-o", "json"], check=True, capture_output=True, text=True)
    assert json.loads(still.stdout)["metadata"]["name"] == "someone-elses"


def test_fine_tune_trials_vary_its_numeric_arguments(tmp_path):
    template = {"tool": "fine_tune", "arguments": {"model": "Qwen/Qwen2.5-1.5B-Instruct", "dataset": "tatsu-lab/alpaca"}}

    async def body():
        async with sim_server(tmp_path, 400, libraries=OPTIMIZER) as sim:
            made = await sim.ok("create_experiment", {
                "trial_template": template, "dry_run": True, "confirm": True,
                "search_space": {"lora_rank": {"choice": [8, 16]}, "lora_dropout": {"uniform": [0, 0.1]}}})
            args = made["experiment"]["spec"]["trialTemplate"]["trialSpec"]["spec"]["trainer"]["args"]
            assert "model.lora_rank=${trialParameters.lora_rank}" in args, args
            assert "model.lora_dropout=${trialParameters.lora_dropout}" in args, args
            # torchtune keeps its recipe's learning rate: the trial could not vary it.
            text = await sim.error("create_experiment", {
                "trial_template": template, "search_space": {"learning_rate": {"loguniform": [1e-5, 1e-3]}}})
            assert "search_space.learning_rate" in text
            # And it runs: two trials, the rank substituted into each TrainJob.
            created = await sim.create("create_experiment", {
                "trial_template": template, "search_space": {"lora_rank": {"choice": [8, 16]}},
                "algorithm": "grid", "num_trials": 2, "parallel_trials": 2})
            status = await sim.ok("get_experiment_status", {"name": created["name"], "wait": True, "timeout_seconds": 120})
            assert status["phase"] == "Succeeded" and status["trials"]["succeeded"] == 2, status
            trials = (await sim.ok("get_experiment_trials", {"name": created["name"]}))["trials"]
            for t in trials:
                spec = await sim.ok("get_job_spec", {"job_id": t["job_id"]})
                assert f"model.lora_rank={t['parameters']['lora_rank']}" in spec["object"]["spec"]["trainer"]["args"]
    run(body)


# Every kind of experiment create_experiment makes: each trial tool, each algorithm, one and
# several objectives, failure limits and algorithm settings.
ADMISSION_VARIANTS = [
    ("custom function, random, two objectives", {**GOLDEN_ARGS}),
    ("custom function, grid on choices", {**GRID_ARGS}),
    ("custom function, bayesianoptimization, a maximized objective", {
        "trial_template": {"tool": "run_custom_training", "arguments": {"func": TRAIN_FN}},
        "search_space": {"learning_rate": {"uniform": [1e-4, 1e-2]}}, "algorithm": "bayesianoptimization",
        "objectives": [{"metric": "accuracy", "direction": "maximize"}], "num_trials": 4, "parallel_trials": 2}),
    ("container job, tpe", {
        "trial_template": {"tool": "run_container_job", "arguments": {
            "image": "ghcr.io/x/y:1", "command": ["python", "train.py"], "args": ["--lr=${trialParameters.learning_rate}"]}},
        "search_space": {"learning_rate": {"loguniform": [1e-5, 1e-2]}}, "algorithm": "tpe", "max_failed_trials": 0}),
    ("fine_tune, cmaes", {
        "trial_template": {"tool": "fine_tune", "arguments": {"model": "Qwen/Qwen2.5-1.5B-Instruct", "dataset": "tatsu-lab/alpaca"}},
        "search_space": {"lora_dropout": {"uniform": [0, 0.1]}, "lora_rank": {"choice": [8, 16]}}, "algorithm": "cmaes"}),
    ("fine_tune, grid with a step", {
        "trial_template": {"tool": "fine_tune", "arguments": {"model": "Qwen/Qwen2.5-1.5B-Instruct", "dataset": "tatsu-lab/alpaca"}},
        "search_space": {"lora_dropout": {"uniform": [0, 0.1], "step": 0.05}}, "algorithm": "grid", "num_trials": 3}),
]


@pytest.mark.parametrize("case,args", ADMISSION_VARIANTS, ids=[v[0] for v in ADMISSION_VARIANTS])
def test_every_experiment_the_tool_makes_is_admitted_by_katibs_webhooks(case, args, tmp_path, standalone_sim):
    """The Experiment create_experiment sends passes Katib v0.19's defaulting and validating
    webhooks (the simulator runs them on dry runs too); the same body with a rule broken is
    denied, so it was admitted because the rules passed."""
    from kubernetes import client as k8s, config as k8s_config
    from kubernetes.client.rest import ApiException

    async def body():
        async with sim_server(tmp_path, libraries=OPTIMIZER, kubeconfig=standalone_sim.kubeconfig) as sim:
            preview = await sim.preview("create_experiment", args)
            posts = [w for w in preview["would_send"] if w["method"] == "POST"]
            assert [p["path"] for p in posts] == [EXPERIMENTS] and posts[0]["status"] == 201, preview["would_send"]
            return posts[0]["body"]
    sent = run(body)

    api = k8s.CustomObjectsApi(k8s_config.new_client_from_config(config_file=str(standalone_sim.kubeconfig)))
    create = lambda b: api.create_namespaced_custom_object("kubeflow.org", "v1beta1", "default", "experiments", b,
                                                           dry_run="All")
    admitted = create(sent)
    spec = admitted["spec"]
    # The defaulter ran: Katib's own additions are in what it would store.
    assert spec["metricsCollectorSpec"] == {"collector": {"kind": "StdOut"}}
    assert spec["trialTemplate"]["primaryPodLabels"] == {"jobset.sigs.k8s.io/replicatedjob-name": "node"}
    assert [s["name"] for s in spec["objective"]["metricStrategies"]][0] == spec["objective"]["objectiveMetricName"]
    for broken, reason in [
        (lambda e: e["spec"]["algorithm"].update(algorithmName="magic"), "spec.algorithm.algorithmName"),
        (lambda e: e["spec"].update(parallelTrialCount=e["spec"]["maxTrialCount"] + 1), "spec.parallelTrialCount"),
        (lambda e: e["spec"].pop("objective"), "spec.objective: Required value"),
    ]:
        copy = json.loads(json.dumps(sent))
        broken(copy)
        with pytest.raises(ApiException) as denied:
            create(copy)
        assert denied.value.status == 400
        message = json.loads(denied.value.body)["message"]
        assert message.startswith('admission webhook "validator.experiment.katib.kubeflow.org" denied the request: ')
        assert reason in message, message
