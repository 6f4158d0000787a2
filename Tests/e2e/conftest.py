"""Shared fixtures for the end-to-end tests.

Every test here drives the *built* `kubeflow-mcp` binary: over stdio with the
official Python MCP client (package `mcp` from PyPI), or with raw JSON lines
where a test needs to do what a well-behaved client never does (malformed
lines, closing stdin mid-call).
"""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("KFMCP_BUILD_DIR", ROOT / ".build" / "debug")).resolve()
BINARY = BUILD / "kubeflow-mcp"
HEADER_DIR = ROOT / "Sources" / "PluginABI" / "include"
# The ABI this host speaks, read from the header so a minor bump needs no test edit.
HOST_ABI = ".".join(re.search(rf"#define KFMCP_ABI_{part} (\d+)", (HEADER_DIR / "kfmcp" / "core.h").read_text()).group(1)
                    for part in ("MAJOR", "MINOR"))

sys.path.insert(0, str(Path(__file__).parent))


def compile_c_plugin(source: Path, output: Path, *defines: str, header_dir: Path = HEADER_DIR) -> Path:
    """Build a C plugin against the ABI header, as a third party would (with
    Debian's cJSON when the source uses it)."""
    libs = ["-lcjson"] if "<cjson/cJSON.h>" in source.read_text() else []
    cmd = ["cc", "-shared", "-fPIC", "-Wall", "-Werror", "-I", str(header_dir),
           *[f"-D{d}" for d in defines], str(source), "-o", str(output), *libs]
    subprocess.run(cmd, check=True)
    output.chmod(0o755)
    return output


@pytest.fixture(scope="session")
def binary() -> Path:
    assert BINARY.exists(), f"build first: {BINARY} is missing (run scripts/test)"
    return BINARY


def plugin_dir(tmp_path: Path, name: str = "plugins") -> Path:
    d = tmp_path / name
    d.mkdir(mode=0o755)
    d.chmod(0o755)
    return d


@pytest.fixture
def sample_and_c_plugins(tmp_path) -> Path:
    """A plugins dir with the Swift sample plugin and the C example plugin."""
    d = plugin_dir(tmp_path)
    shutil.copy(BUILD / "libkfmcp-sample.so", d / "libkfmcp-sample.so")
    compile_c_plugin(ROOT / "examples" / "c-plugin" / "hello_c.c", d / "libhello_c.so")
    return d


def in_process_policy(tmp_path: Path, *libraries: str) -> Path:
    """An operator's policy file letting these drop-in libraries run in the host's
    process (a plugins.d `isolation: in-process` alone is refused for them)."""
    path = tmp_path / "in-process-policy.yaml"
    path.write_text('policy:\n  allow: ["*"]\n  in_process_plugins: [' + ", ".join(libraries) + "]\n")
    return path


def run_cli(*args: str, env=None, check=True) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(BINARY), *args], capture_output=True, text=True, env=env, timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError(f"kubeflow-mcp {' '.join(args)} exited {proc.returncode}\n{proc.stderr}")
    return proc


def plugins_list(*dirs: Path, env=None):
    args = ["plugins", "list", "--json", "--no-default-plugins"]
    for d in dirs:
        args += ["--plugins-dir", str(d)]
    proc = run_cli(*args, env=env)
    return json.loads(proc.stdout), proc.stderr


class StandaloneSim:
    """`kubeflow-mcp sim` as its own process, with a kubeconfig for it."""

    def __init__(self, tmp_path: Path, *args: str):
        self.kubeconfig = tmp_path / "kubeconfig"
        self.proc = subprocess.Popen([str(BINARY), "sim", "--kubeconfig-out", str(self.kubeconfig), *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = self.proc.stdout.readline()
        assert "listening on" in first, first + self.proc.stderr.read()
        self.url = first.strip().rsplit(" ", 1)[-1]
        while not self.kubeconfig.exists() or "kubeconfig written" not in self.proc.stdout.readline():
            pass

    def kubeconfig_for(self, path: Path, token: str, namespace: str = "default") -> Path:
        """Another kubeconfig for the same simulator, as another user."""
        path.write_text(
            "apiVersion: v1\nkind: Config\n"
            f"clusters:\n- name: sim\n  cluster:\n    server: {self.url}\n"
            f"users:\n- name: u\n  user:\n    token: {token}\n"
            f"contexts:\n- name: sim\n  context:\n    cluster: sim\n    user: u\n    namespace: {namespace}\n"
            "current-context: sim\n")
        path.chmod(0o600)
        return path

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def standalone_sim(tmp_path):
    sim = StandaloneSim(tmp_path)
    yield sim
    sim.stop()


@pytest.fixture
def probe_plugin(tmp_path) -> Path:
    """A plugins dir with the k8s_probe test plugin (raw Kubernetes requests)."""
    d = plugin_dir(tmp_path, "probe")
    compile_c_plugin(ROOT / "Tests" / "CPlugins" / "k8s_probe.c", d / "libk8s_probe.so")
    return d


def program(name: str) -> str | None:
    """The path of a program from Debian's packages (also /usr/sbin, which a user's PATH may lack)."""
    return shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)


def needs_program(name: str, installed_by: str):
    """Skip a developer's run that lacks `name`; under CI (CI set) never skip: scripts/setup
    installs it there, and a skip would hide a missing install step, so the test runs and fails."""
    return pytest.mark.skipif(program(name) is None and not os.environ.get("CI"),
                              reason=f"{name} is not installed ({installed_by} installs it)")
