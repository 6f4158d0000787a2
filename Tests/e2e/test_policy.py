"""Policy, personas, confirmation, ownership, audit and redaction (KEP-936 security
design), enforced by the host for every plugin: through the built binary, the
official MCP client and the cluster simulator."""
import json
import subprocess

import anyio
import mcp_types as types
import pytest

from conftest import BINARY, run_cli
from mcp_client import confirmed_call, run, session

# The KEP's persona table, as categories (monitoring goes with discovery).
PERSONA_CATEGORIES = {
    "readonly": {"discovery", "planning", "monitoring", "optimizer", "registry"},
    "data-scientist": {"discovery", "planning", "monitoring", "training", "lifecycle", "optimizer", "registry"},
    "ml-engineer": {"discovery", "planning", "monitoring", "training", "lifecycle", "storage", "optimizer", "registry"},
    "platform-admin": None,  # everything
}


def all_tools():
    return json.loads(run_cli("tools", "list", "--json").stdout)


def expected_tools(persona):
    cats = PERSONA_CATEGORIES[persona]
    return {t["name"] for t in all_tools()
            if (cats is None or t["category"] in cats) and (persona != "readonly" or t["risk"] == "read_only")}


@pytest.mark.parametrize("persona", sorted(PERSONA_CATEGORIES))
def test_each_persona_lists_exactly_its_tools(persona):
    expected = expected_tools(persona)
    listed = {t["name"] for t in json.loads(run_cli("tools", "list", "--json", "--persona", persona).stdout)}
    assert listed == expected

    async def body():
        async with session("--sim", "--persona", persona) as s:
            assert {t.name for t in (await s.list_tools()).tools} == expected
    run(body)


def test_runtimes_are_admin_only():
    assert "create_training_runtime" in expected_tools("platform-admin")
    assert "create_training_runtime" not in expected_tools("ml-engineer")
    assert "delete_job" in expected_tools("data-scientist")
    assert "setup_hf_credentials" not in expected_tools("data-scientist")


def test_hidden_tool_is_refused_on_call():
    async def body():
        async with session("--sim", "--persona", "readonly") as s:
            r = await s.call_tool("fine_tune", {"model": "Qwen/Qwen2.5-1.5B-Instruct", "dataset": "tatsu-lab/alpaca"})
            assert r.is_error
            assert "read-only" in r.content[0].text and "fine_tune" in r.content[0].text
            jobs = await s.call_tool("list_training_jobs", {})
            assert jobs.structured_content["count"] == 0
    run(body)


def test_namespace_allowlist_holds_at_the_kubernetes_boundary(tmp_path, probe_plugin):
    policy = tmp_path / "policy.yaml"
    policy.write_text("policy:\n  persona: platform-admin\n  namespaces:\n    - ml-team-dev\n")

    async def body():
        async with session("--sim", "--policy", str(policy), "--plugins-dir", str(probe_plugin)) as s:
            ok = await s.call_tool("k8s_probe", {"method": "GET", "path": "/api/v1/namespaces/ml-team-dev/pods"})
            assert ok.structured_content["status"] == 200
            denied = await s.call_tool("k8s_probe", {"method": "GET", "path": "/api/v1/namespaces/ml-team-prod/secrets"})
            assert denied.structured_content["status"] == 0
            assert denied.structured_content["error"]["reason"] == "Denied"
            assert "ml-team-prod" in denied.structured_content["error"]["message"]
            # A first-party tool is held the same way.
            r = await s.call_tool("list_training_jobs", {"namespace": "ml-team-prod"})
            assert r.is_error and "ml-team-prod" in r.content[0].text
    run(body)


def test_read_only_blocks_writes_from_a_plugin_that_claims_to_read(probe_plugin):
    async def body():
        async with session("--sim", "--persona", "readonly", "--plugins-dir", str(probe_plugin)) as s:
            r = await s.call_tool("k8s_probe", {"method": "POST", "path": "/api/v1/namespaces/default/configmaps",
                                                "body": {"apiVersion": "v1", "kind": "ConfigMap",
                                                         "metadata": {"name": "sneaky"}}})
            assert r.structured_content["error"]["reason"] == "Denied"
            # Refused twice over: the tool is declared read_only (named with its plugin), and the persona is read-only.
            assert "Plugin 'k8s-probe'" in r.structured_content["error"]["message"]
            check = await s.call_tool("k8s_probe", {"method": "GET", "path": "/api/v1/namespaces/default/configmaps/sneaky"})
            assert check.structured_content["status"] == 404
    run(body)


def test_bad_policy_files_stop_the_server_naming_the_line(tmp_path):
    cases = {
        "unknown_persona.yaml": ("policy:\n  persona: wizard\n", ":2:", "unknown persona 'wizard'"),
        "bad_risk.yaml": ("policy:\n  allow:\n    - category:discovery\n    - risk:catastrophic\n", ":4:", "unknown risk 'catastrophic'"),
        "bad_category.yaml": ("policy:\n  allow:\n    - category:discovery\n  deny:\n    - category:nonsense\n", ":5:", "unknown category 'nonsense'"),
        "no_match.yaml": ("policy:\n  allow:\n    - category:discovery\n    - frobnicate_*\n", ":4:", "matches no loaded tool"),
        "yaml_error.yaml": ("policy:\n  allow: [unclosed\n", "", "not valid YAML"),
    }
    for name, (text, line, message) in cases.items():
        f = tmp_path / name
        f.write_text(text)
        serve = subprocess.run([str(BINARY), "serve", "--policy", str(f)],
                               input="", capture_output=True, text=True, timeout=60)
        assert serve.returncode != 0, name
        assert message in serve.stderr and f"{f}{line}" in serve.stderr, serve.stderr
        check = run_cli("policy", "check", str(f), check=False)
        assert check.returncode != 0 and message in check.stderr


def test_policy_check_prints_the_resulting_tools(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("policy:\n  persona: data-scientist\n  deny:\n    - delete_*\n  namespaces: [ml-team-dev]\n")
    out = run_cli("policy", "check", str(f)).stdout
    assert "OK" in out and "ml-team-dev" in out
    assert "fine_tune" in out and "(confirm)" in out
    assert "delete_job" not in out
    assert "suspend_job" in out and "own jobs only" in out


def test_confirmation_by_flag_previews_first(tmp_path):
    args = {"image": "ghcr.io/myorg/trainer:v1", "num_nodes": 1, "resources_per_node": {"gpu": 1}}

    async def body():
        async with session("--sim") as s:
            preview = await s.call_tool("run_container_job", args)
            assert not preview.is_error and preview.structured_content["preview"] is True
            sent = preview.structured_content["would_send"]
            assert sent[0]["method"] == "POST" and sent[0]["body"]["kind"] == "TrainJob"
            # The line a person confirms is the plugin's (the host knows no GPUs).
            summary = preview.structured_content["summary"]
            assert summary.startswith("TrainJob ") and "1 node(s) × 1 GPU" in summary
            assert summary in preview.content[0].text
            assert (await s.call_tool("list_training_jobs", {})).structured_content["count"] == 0
            done = await confirmed_call(s, "run_container_job", {**args})
            assert not done.is_error and done.structured_content["job_id"]
            assert (await s.call_tool("list_training_jobs", {})).structured_content["count"] == 1
    run(body)


def test_confirmation_by_elicitation():
    asked = []

    def answer(accept):
        async def callback(context, params: types.ElicitRequestParams):
            asked.append(params.message)
            return types.ElicitResult(action="accept", content={"confirm": accept})
        return callback

    args = {"image": "ghcr.io/myorg/trainer:v1", "resources_per_node": {"gpu": 2}}

    async def body():
        async with session("--sim", elicitation_callback=answer(False)) as s:
            r = await s.call_tool("run_container_job", args)
            assert r.structured_content.get("declined") is True
            assert (await s.call_tool("list_training_jobs", {})).structured_content["count"] == 0
        async with session("--sim", elicitation_callback=answer(True)) as s:
            r = await s.call_tool("run_container_job", args)
            assert not r.is_error and r.structured_content["job_id"]
    run(body)
    assert asked and "create" in asked[0] and "trainjobs" in asked[0] and "GPU" in asked[0]


def test_data_scientist_may_change_only_own_jobs(tmp_path, standalone_sim):
    # A job made outside kubeflow-mcp (kubectl), and one made through it.
    manifest = tmp_path / "job.yaml"
    manifest.write_text("apiVersion: trainer.kubeflow.org/v1alpha1\nkind: TrainJob\n"
                        "metadata: {name: someone-elses, namespace: default}\n"
                        "spec:\n  runtimeRef: {name: torch-distributed}\n  trainer: {image: busybox}\n")
    subprocess.run(["kubectl", "--kubeconfig", str(standalone_sim.kubeconfig), "create", "--validate=false",
                    "-f", str(manifest)], check=True, capture_output=True)

    async def body():
        async with session("--kubeconfig", str(standalone_sim.kubeconfig), "--persona", "data-scientist") as s:
            r = await s.call_tool("suspend_job", {"job_id": "someone-elses"})
            assert r.is_error and "not created through kubeflow-mcp" in r.content[0].text
            mine = await confirmed_call(s, "run_container_job", {"image": "busybox"})
            job = mine.structured_content["job_id"]
            r = await s.call_tool("suspend_job", {"job_id": job})
            assert not r.is_error, r.content[0].text
    run(body)
    still = subprocess.run(["kubectl", "--kubeconfig", str(standalone_sim.kubeconfig), "get", "trainjob",
                            "someone-elses", "-o", "json"], check=True, capture_output=True, text=True)
    assert not json.loads(still.stdout)["spec"].get("suspend", False)


def test_audit_has_one_valid_line_per_call_under_concurrency(tmp_path):
    audit = tmp_path / "audit.log"

    async def body():
        async with session("--sim", "--audit-log", str(audit), "--persona", "readonly") as s:
            async with anyio.create_task_group() as tg:
                for i in range(200):
                    tg.start_soon(s.call_tool, "list_model_registry", {"filter": f"call {i}"})
            await s.call_tool("delete_job", {"job_id": "x"})  # refused: readonly
    run(body)
    lines = audit.read_text().splitlines()
    entries = [json.loads(line) for line in lines]
    assert len(entries) == 201
    calls = [e for e in entries if e["tool"] == "list_model_registry"]
    assert len(calls) == 200 and all(e["result"] == "success" for e in calls)
    assert {e["parameters"]["filter"] for e in calls} == {f"call {i}" for i in range(200)}
    refused = [e for e in entries if e["tool"] == "delete_job"]
    assert refused[0]["result"] == "refused" and refused[0]["persona"] == "readonly"
    for e in entries:
        assert {"timestamp", "tool", "user", "namespace", "parameters", "result", "job_id", "duration_ms",
                "persona", "plugin"} <= set(e)


def test_planted_secrets_never_leave(tmp_path, standalone_sim):
    token = "hf_PLANTEDsecretTOKEN1234567890abcdef"
    audit = tmp_path / "audit.log"
    stderr_file = tmp_path / "stderr.log"

    async def body():
        async with session("--kubeconfig", str(standalone_sim.kubeconfig), "--audit-log", str(audit),
                           "--log-level", "debug", errlog=stderr_file) as s:
            outputs = []
            r = await confirmed_call(s, "setup_hf_credentials", {"token": token})
            outputs.append(r)
            # A token in an image tag shows up in the container's log line "Image …".
            job = await confirmed_call(s, "run_container_job", {"image": f"ghcr.io/org/trainer:{token}"})
            outputs.append(job)
            job_id = job.structured_content["job_id"]
            r = await s.call_tool("wait_for_completion", {"job_id": job_id, "timeout_seconds": 120})
            logs = await s.call_tool("get_training_logs", {"job_id": job_id})
            outputs.append(logs)
            assert "Image" in logs.content[0].text
            for o in outputs:
                assert token not in o.model_dump_json()
    run(body)
    kubeconfig_token = "kfsim-admin-token"  # the credential in the kubeconfig
    for text in (audit.read_text(), stderr_file.read_text()):
        assert token not in text and kubeconfig_token not in text
    assert "setup_hf_credentials" in audit.read_text() and "k8s" in stderr_file.read_text()
    # The secret really is in the cluster (the tool stored it), just never echoed.
    secret = subprocess.run(["kubectl", "--kubeconfig", str(standalone_sim.kubeconfig), "get", "secret", "hf-token",
                             "-o", "json"], capture_output=True, text=True, check=True)
    assert json.loads(secret.stdout)["data"]
