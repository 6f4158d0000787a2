"""`kubeflow-mcp tools call NAME --args JSON`: one tool through the whole host
path, for people and scripts. The exit code says what happened: 0 done,
1 refused or failed, 3 preview only. Only `--yes` confirms; `confirm` in the
JSON is refused (a generated argument cannot stand in for a person), and
`--yes` counts only from a terminal (an agent with a shell pipes, it does not type)."""
import json
import os
import pty
import subprocess

from conftest import BINARY, run_cli

CONTAINER_JOB = {"image": "ghcr.io/myorg/trainer:v1", "num_nodes": 1, "resources_per_node": {"gpu": 1}}


def call(tmp_path, *args, check=False):
    return run_cli("tools", "call", *args, "--sim", "--audit-log", str(tmp_path / "audit.log"), check=check)


def test_a_read_only_tool_prints_its_result_and_exits_zero(tmp_path):
    done = call(tmp_path, "list_training_jobs", "--args", "{}", check=True)
    assert json.loads(done.stdout)["count"] == 0
    line = json.loads((tmp_path / "audit.log").read_text().splitlines()[-1])
    assert line["tool"] == "list_training_jobs" and line["result"] == "success"


def test_a_tool_that_needs_confirmation_previews_without_yes(tmp_path):
    preview = call(tmp_path, "run_container_job", "--args", json.dumps(CONTAINER_JOB))
    assert preview.returncode == 3, preview.stderr
    shown = json.loads(preview.stdout)
    assert shown["preview"] is True and shown["would_send"][0]["method"] == "POST"
    assert "1 node(s) × 1 GPU" in shown["summary"] and "pass --yes" in preview.stderr


def call_at_a_terminal(tmp_path, *args):
    """As a person runs it: stdin is a terminal (a pseudo-terminal here)."""
    leader, follower = pty.openpty()
    try:
        return subprocess.run([str(BINARY), "tools", "call", *args, "--sim", "--audit-log", str(tmp_path / "audit.log")],
                              stdin=follower, capture_output=True, text=True, timeout=120)
    finally:
        os.close(leader)
        os.close(follower)


def test_only_yes_confirms(tmp_path):
    done = call_at_a_terminal(tmp_path, "run_container_job", "--yes", "--args", json.dumps(CONTAINER_JOB))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["created"] is True
    forged = call(tmp_path, "run_container_job", "--args", json.dumps({**CONTAINER_JOB, "confirm": True}))
    assert forged.returncode != 0 and "--yes" in forged.stderr and forged.stdout == ""


def test_refusals_and_bad_arguments_exit_one_with_a_sentence(tmp_path):
    unknown = call(tmp_path, "no_such_tool")
    assert unknown.returncode == 1 and "Unknown tool 'no_such_tool'" in unknown.stderr
    bad = call(tmp_path, "list_training_jobs", "--args", '{"namespace": "../prod"}')
    assert bad.returncode == 1 and "namespace" in bad.stderr
    hidden = call(tmp_path, "delete_job", "--persona", "readonly", "--args", '{"job_id": "x"}')
    assert hidden.returncode == 1 and "delete_job" in hidden.stderr
    not_json = call(tmp_path, "list_training_jobs", "--args", "[1]")
    assert not_json.returncode != 0 and "JSON object" in not_json.stderr


def test_yes_without_a_terminal_confirms_nothing(tmp_path):
    """Piped `yes`, stdin /dev/null, a file: refused before anything runs or is sent."""
    args = [str(BINARY), "tools", "call", "run_container_job", "--yes", "--args", json.dumps(CONTAINER_JOB),
            "--sim", "--audit-log", str(tmp_path / "audit.log")]
    piped = subprocess.run(["sh", "-c", 'yes | "$@"', "sh", *args], capture_output=True, text=True, timeout=120)
    null = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    for refused in (piped, null):
        assert refused.returncode != 0 and refused.stdout == "", refused.stderr
        assert "--yes confirms only when a person runs this at a terminal" in refused.stderr
    assert not (tmp_path / "audit.log").exists() or "run_container_job" not in (tmp_path / "audit.log").read_text()
