"""The main job: `kubeflow-mcp demo` plays the KEP's three user stories through
MCP against the embedded simulator."""
import subprocess

from conftest import BINARY


def test_demo_plays_the_user_stories():
    proc = subprocess.run([str(BINARY), "demo", "--time-scale", "200"], capture_output=True, text=True, timeout=300)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    for story in ("Story 1", "Story 2", "Story 3", "Story 4", "Story 5"):
        assert story in out
    assert "→ fine_tune" in out and "Preview only" in out and "create /apis/trainer.kubeflow.org" in out
    assert "→ run_custom_training" in out and "→ run_container_job" in out
    assert out.count("finished: Complete") == 3
    assert "[####################] 100%" in out  # the progress bar from MCP progress notifications
    assert "→ create_experiment" in out and "create /apis/kubeflow.org/v1beta1/namespaces/default/experiments" in out
    assert ": Succeeded [####################] 6/6 trials done" in out and "; best " in out
    assert "→ register_model" in out and "Registered train-func-tuned version v1" in out
    assert "train-func-tuned (id 1), 1 version:" in out and "s3://models/train-func-tuned/" in out
    assert "✗" not in out
