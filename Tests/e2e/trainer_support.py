"""Helpers for the Trainer plugin's end-to-end tests: a server on the embedded
cluster simulator with only the Trainer and TorchTune plugins, a request log
read from the server's debug output, and a type-strict JSON comparison."""
import json
import os
import shutil
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from conftest import BINARY, BUILD, ROOT, plugin_dir
from mcp_client import confirmed_call

GOLDENS = ROOT / "Tests" / "Fixtures" / "sdk-reference"
OWNER_ANNOTATION = "kubeflow-mcp.kubeflow.org/owner"
OWNER_LABEL = "kubeflow-mcp.kubeflow.org/owner-hash"
TRAINJOBS = "/apis/trainer.kubeflow.org/v1alpha1/namespaces/default/trainjobs"

# Simulated seconds per real second: a job (6 s of initializers, 120 steps of 1 s)
# takes about 1.3 s at FAST and about 25 s at SLOW (long enough to act on it mid-run).
FAST = 100
SLOW = 5


TRAINER_PLUGINS = ("libkfmcp-trainer.so", "libkfmcp-torchtune.so")


def trainer_plugins(tmp_path: Path, libraries=TRAINER_PLUGINS) -> Path:
    d = plugin_dir(tmp_path)
    for name in libraries:
        shutil.copy(BUILD / name, d / name)
    return d


class SimServer:
    """A ClientSession plus the Kubernetes requests the server made (from its debug log)."""

    def __init__(self, session: ClientSession, errlog: Path):
        self.session = session
        self.errlog = errlog

    def log_mark(self) -> int:
        return self.errlog.stat().st_size

    def requests_since(self, mark: int) -> list[tuple[str, str]]:
        """(method, path) of every Kubernetes request logged after `mark`."""
        with open(self.errlog, "rb") as f:
            f.seek(mark)
            lines = f.read().decode(errors="replace").splitlines()
        out = []
        for line in lines:
            # kubeflow-mcp [debug] k8s: trainer GET /apis/... → 200 in 850 µs
            if "] k8s: " not in line or " → " not in line:
                continue
            words = line.split("] k8s: ", 1)[1].split(" ")
            out.append((words[1], words[2]))
        return out

    async def call(self, tool: str, args: dict, confirm: bool = False, **kw):
        """One call; confirm=True previews and confirms with the preview's token."""
        if confirm:
            return await confirmed_call(self.session, tool, args, **kw)
        return await self.session.call_tool(tool, args, **kw)

    async def ok(self, tool: str, args: dict, confirm: bool = False, **kw) -> dict:
        r = await self.call(tool, args, confirm, **kw)
        assert not r.is_error, f"{tool} failed: {r.content[0].text}"
        return r.structured_content

    async def error(self, tool: str, args: dict, confirm: bool = False) -> str:
        r = await self.call(tool, args, confirm)
        assert r.is_error, f"{tool} should have failed: {r.content[0].text[:500]}"
        return r.content[0].text

    async def create(self, tool: str, args: dict, **kw) -> dict:
        """Calls a tool that needs confirmation, confirmed: the one place the
        tests say how a person confirms (so it changes here only)."""
        return await self.ok(tool, args, confirm=True, **kw)

    async def preview(self, tool: str, args: dict) -> dict:
        """The confirmation preview, parsed from the text content: it is the
        server's own serialization, where 4.0 stays 4.0 (structured_content
        goes through the MCP SDK's encoder, which writes 4.0 as 4)."""
        r = await self.call(tool, args)
        assert not r.is_error, f"{tool} preview failed: {r.content[0].text}"
        assert r.structured_content.get("preview") is True, r.content[0].text[:500]
        return json.loads(r.content[0].text.rsplit("\n", 1)[-1])  # the JSON is the last line

    async def until(self, what: str, probe, timeout: float = 60):
        """Poll `probe` (async, returns a truthy value when done) until it succeeds."""
        last = None
        with anyio.move_on_after(timeout):
            while True:
                last = await probe()
                if last:
                    return last
                await anyio.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; last: {last}")

    async def job(self, job_id: str) -> dict:
        return await self.ok("get_training_job", {"job_id": job_id})

    async def wait_status(self, job_id: str, *statuses: str, timeout: float = 60) -> dict:
        async def probe():
            j = await self.job(job_id)
            return j if j["status"] in statuses else None
        return await self.until(f"{job_id} in {statuses}", probe, timeout)


@asynccontextmanager
async def sim_server(tmp_path: Path, time_scale: float = FAST, *extra: str, libraries=TRAINER_PLUGINS,
                     kubeconfig: Path | None = None, **session_kwargs):
    """A server on the embedded simulator, or on the cluster of `kubeconfig` (e.g. a standalone sim)."""
    plugins = trainer_plugins(tmp_path, libraries)
    errlog = tmp_path / "server-stderr.log"
    cluster = ["--kubeconfig", str(kubeconfig)] if kubeconfig else ["--sim", "--sim-time-scale", str(time_scale)]
    args = ["serve", *cluster, "--no-default-plugins",
            "--plugins-dir", str(plugins), "--audit-log", str(tmp_path / "audit.log"),
            "--log-level", "debug", *extra]
    params = StdioServerParameters(command=str(BINARY), args=args, env=dict(os.environ))
    with open(errlog, "w") as err:
        async with stdio_client(params, errlog=err) as (read, write):
            async with ClientSession(read, write, **session_kwargs) as s:
                await s.initialize()
                yield SimServer(s, errlog)


# MARK: comparison


def first_difference(ours, golden, path="$"):
    """None when equal structurally and type for type (4 is not 4.0, True is not 1)."""
    if type(ours) is not type(golden):
        return f"{path}: {type(ours).__name__} {ours!r} vs golden {type(golden).__name__} {golden!r}"
    if isinstance(golden, dict):
        if set(ours) != set(golden):
            return f"{path}: keys {sorted(set(ours) - set(golden))} extra, {sorted(set(golden) - set(ours))} missing"
        for k in golden:
            d = first_difference(ours[k], golden[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(golden, list):
        if len(ours) != len(golden):
            return f"{path}: {len(ours)} items vs golden {len(golden)}"
        for i, (a, b) in enumerate(zip(ours, golden)):
            d = first_difference(a, b, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if ours == golden else f"{path}: {ours!r} vs golden {golden!r}"


def without_owner(body: dict) -> dict:
    """The body minus the two fields the host stamps on every object it creates
    (dropping annotations/labels maps left empty)."""
    body = json.loads(json.dumps(body))
    meta = body.get("metadata", {})
    for key, field in (("annotations", OWNER_ANNOTATION), ("labels", OWNER_LABEL)):
        assert field in meta.get(key, {}), f"owner {key[:-1]} {field} missing"
        del meta[key][field]
        if not meta[key]:
            del meta[key]
    return body


def golden(case: str) -> dict:
    return json.loads((GOLDENS / f"{case}.json").read_text())


def golden_post_body(case: str) -> dict:
    post = [r for r in golden(case)["requests"] if r["method"] == "POST"]
    assert len(post) == 1
    return json.loads(post[0]["raw_body"])


def golden_gets(case: str) -> list[str]:
    return [r["path"] for r in golden(case)["requests"] if r["method"] == "GET"]


def secret_env(name: str, secret: str, key: str) -> dict:
    return {"name": name, "valueFrom": {"secretKeyRef": {"key": key, "name": secret}}}


OUR_MANAGER = "kubeflow-mcp.kubeflow.org/kubeflow-mcp"


def with_our_manager(body: dict) -> dict:
    """The SDK keys its runtime patches by its own manager id; ours by ours."""
    for patch in body["spec"].get("runtimePatches", []):
        assert patch["manager"] == "trainer.kubeflow.org/kubeflow-sdk"
        patch["manager"] = OUR_MANAGER
    return body


def replace_env_with_secret(env: list, refs: dict) -> list:
    """The golden's inline values for `refs` (env name → (secret, key)) as secretKeyRefs."""
    return [secret_env(e["name"], *refs[e["name"]]) if e["name"] in refs else e for e in env]


def torch_runtime_with_initializers(name: str = "torch-with-initializers") -> dict:
    """A namespaced torch TrainingRuntime with dataset- and model-initializer steps in the shape
    Trainer v2.3.0's webhook asks for (jobset.go): the stock torch-distributed has none, so
    spec.initializer on it is denied. Made from the stock torchtune runtime's initializer steps."""
    def initializer(step: str) -> dict:
        return {"name": step, "template": {
            "metadata": {"labels": {"trainer.kubeflow.org/trainjob-ancestor-step": step}},
            "spec": {"template": {"spec": {"containers": [{
                "name": step, "image": f"ghcr.io/kubeflow/trainer/{step}:v2.3.0",
                "volumeMounts": [{"name": "initializer", "mountPath": "/workspace"}]}]}}}}}
    return {
        "apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "TrainingRuntime",
        "metadata": {"name": name, "labels": {"trainer.kubeflow.org/framework": "torch"}},
        "spec": {"mlPolicy": {"numNodes": 1, "torch": {}}, "template": {"spec": {
            "volumeClaimPolicies": [{"templates": [{"metadata": {"name": "initializer"}, "spec": {
                "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}}}}]}],
            "replicatedJobs": [
                initializer("dataset-initializer"), initializer("model-initializer"),
                {"name": "node",
                 "dependsOn": [{"name": "dataset-initializer", "status": "Complete"},
                               {"name": "model-initializer", "status": "Complete"}],
                 "template": {
                     "metadata": {"labels": {"trainer.kubeflow.org/trainjob-ancestor-step": "trainer"}},
                     "spec": {"template": {"spec": {"containers": [{
                         "name": "node", "image": "pytorch/pytorch:2.13.0-cuda13.0-cudnn9-runtime",
                         "volumeMounts": [{"name": "initializer", "mountPath": "/workspace"}]}]}}}}}]}}}}
