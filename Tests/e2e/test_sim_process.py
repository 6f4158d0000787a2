"""The cluster simulator is its own executable, kubeflow-mcp-sim: `serve` does not link it.
`--sim` starts it as a child process that never outlives the server and never writes on the
protocol stream; `kubeflow-mcp sim` execs it; a missing simulator is named in the error."""
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

from conftest import BUILD, run_cli

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_serve_sim_runs_the_simulator_as_a_child_that_dies_with_it(binary):
    serve = subprocess.Popen([str(binary), "serve", "--sim", "--no-default-plugins", "--audit-log", os.devnull],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        serve.stdin.write(json.dumps(INIT).encode() + b"\n")
        serve.stdin.flush()
        # The simulator's "listening on …" lines went to a pipe the server reads, not to the client.
        first = serve.stdout.readline()
        assert json.loads(first)["id"] == 1, first
        sims = [c for c in children(serve.pid) if "kubeflow-mcp-sim" in Path(f"/proc/{c}/cmdline").read_text()]
        assert len(sims) == 1
        # However the server ends (SIGKILL: no handler runs), the simulator follows it.
        serve.kill()
        serve.wait(timeout=10)
        deadline = time.monotonic() + 30
        while running(sims[0]) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not running(sims[0]), "the simulator outlived the server"
    finally:
        if serve.poll() is None:
            serve.kill()


def test_sim_is_the_simulator_executable(tmp_path, binary):
    assert (BUILD / "kubeflow-mcp-sim").exists()
    proc = run_cli("sim", "--help")
    assert "kubeflow-mcp-sim" in proc.stdout and "--kubeconfig-out" in proc.stdout
    # Its hidden lifeline flag is not part of the documented surface.
    assert "stdin" not in proc.stdout


def test_a_missing_simulator_is_named(tmp_path, binary):
    alone = tmp_path / "bin"
    alone.mkdir()
    shutil.copy(binary, alone / "kubeflow-mcp")
    for args in (["sim"], ["doctor", "--sim", "--no-default-plugins"]):
        proc = subprocess.run([str(alone / "kubeflow-mcp"), *args], capture_output=True, text=True, timeout=60)
        assert proc.returncode != 0
        assert "kubeflow-mcp-sim" in proc.stderr and str(alone) in proc.stderr, proc.stderr
