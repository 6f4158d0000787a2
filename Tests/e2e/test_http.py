"""MCP Streamable HTTP (`serve --http`) with the official client: the same
tools, policy and audit as stdio, each session acting as its own user."""
import json
import shutil
import urllib.error
import urllib.request

import anyio
import pytest
from mcp import types

from conftest import BUILD, ROOT, compile_c_plugin, plugin_dir
from http_support import ADMIN, ALICE, BOB, http_server, http_session
from mcp_client import run

INIT = {"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}


def post(url: str, body: dict, headers: dict | None = None) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", "Accept": "application/json, text/event-stream", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, dict(r.headers), r.read(4096).decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


@pytest.fixture
def sample_only(tmp_path):
    d = plugin_dir(tmp_path)
    shutil.copy(BUILD / "libkfmcp-sample.so", d / "libkfmcp-sample.so")
    (d / "sample.yaml").write_text("library: libkfmcp-sample.so\nenabled: true\n")
    compile_c_plugin(ROOT / "examples" / "c-plugin" / "hello_c.c", d / "libhello_c.so")
    return ["--no-default-plugins", "--plugins-dir", str(d)]


def test_progress_and_cancellation_over_http(tmp_path, sample_only):
    with http_server(tmp_path, *sample_only) as server:
        async def body():
            seen = []

            async def on_progress(progress, total, message):
                seen.append(message)

            async with http_session(server.url, None) as s:
                assert s.init_result.protocol_version == "2025-11-25"
                assert "sample_countdown" in [t.name for t in (await s.list_tools()).tools]
                r = await s.call_tool("sample_countdown", {"steps": 4, "step_ms": 1}, progress_callback=on_progress)
                assert r.structured_content == {"completed": 4, "cancelled": False}
                assert seen == ["step 1/4", "step 2/4", "step 3/4", "step 4/4"]

                # Cancelling: the client abandons the call; the plugin sees is_cancelled.
                started = anyio.Event()

                async def first_step(progress, total, message):
                    started.set()

                async with anyio.create_task_group() as tg:
                    async def long_call():
                        await s.call_tool("sample_countdown", {"steps": 5000, "step_ms": 10}, progress_callback=first_step)
                    tg.start_soon(long_call)
                    await started.wait()
                    tg.cancel_scope.cancel()
                assert (await s.call_tool("sample_countdown", {"steps": 1, "step_ms": 1})).structured_content["completed"] == 1
        run(body)
        for _ in range(100):
            if "sample_countdown cancelled at step" in server.stderr():
                break
            anyio.run(anyio.sleep, 0.1)
        assert "sample_countdown cancelled at step" in server.stderr()


def test_log_lines_of_a_sessions_own_calls_reach_it(tmp_path, sample_only):
    with http_server(tmp_path, *sample_only) as server:
        async def body():
            logs, quiet = [], []

            async def on_log(params):
                logs.append(params)

            async def on_other(params):
                quiet.append(params)

            async with http_session(server.url, None, logging_callback=on_log) as s, \
                    http_session(server.url, None, logging_callback=on_other) as other:
                await s.set_logging_level("info")
                await other.set_logging_level("info")
                await s.call_tool("c_context", {})
                with anyio.fail_after(10):
                    while not any("c_context called" in str(p.data) for p in logs):
                        await anyio.sleep(0.01)
                await other.call_tool("sample_echo", {"text": "x"})
            assert not any("c_context called" in str(p.data) for p in quiet)
        run(body)


def test_users_act_with_their_own_rbac_and_are_audited(tmp_path):
    """--auth kubernetes: TokenReview says who; impersonation lets the cluster's RBAC decide."""
    with http_server(tmp_path, "--auth", "kubernetes") as server:
        # Unauthenticated and wrongly authenticated requests are refused with a challenge.
        for headers in ({}, {"Authorization": "Bearer not-a-token"}):
            status, got, _ = post(server.url, INIT, headers)
            assert status == 401 and got.get("WWW-Authenticate", got.get("www-authenticate", "")).startswith("Bearer")

        async def as_alice():
            async with http_session(server.url, ALICE) as s:
                mine = await s.call_tool("list_training_jobs", {"namespace": "ml-team-dev"})
                assert not mine.is_error, mine.content[0].text
                other = await s.call_tool("list_training_jobs", {"namespace": "default"})
                assert other.is_error and "alice" in other.content[0].text

        async def as_bob():
            async with http_session(server.url, BOB) as s:
                listed = await s.call_tool("list_training_jobs", {"namespace": "default"})
                assert not listed.is_error, listed.content[0].text
                create = await s.call_tool("run_container_job", {"image": "ghcr.io/myorg/trainer:v1"})
                # The pre-flight's SelfSubjectAccessReview ran as bob: the cluster says no.
                assert create.is_error and "may not create TrainJobs" in create.content[0].text

        async def both():
            async with anyio.create_task_group() as tg:
                tg.start_soon(as_alice)
                tg.start_soon(as_bob)
        run(both)
        users = {(e["user"], e["tool"]) for e in server.audit_entries()}
        assert ("alice", "list_training_jobs") in users and ("bob", "run_container_job") in users


def test_elicitation_round_trip_and_per_user_policy(tmp_path):
    tokens = tmp_path / "tokens.yaml"
    tokens.write_text("tokens:\n"
                      f"  - {{token: carol-0123456789abcdef, user: carol}}\n"
                      f"  - {{token: dave-0123456789abcdef, user: dave, persona: readonly}}\n")
    asked = []

    async def accept(context, params: types.ElicitRequestParams):
        asked.append(params.message)
        return types.ElicitResult(action="accept", content={"confirm": True})

    with http_server(tmp_path, "--auth", f"tokens:{tokens}") as server:
        async def body():
            async with http_session(server.url, "carol-0123456789abcdef", elicitation_callback=accept) as s:
                r = await s.call_tool("run_container_job", {"image": "ghcr.io/myorg/trainer:v1"})
                assert not r.is_error and r.structured_content["job_id"], r.content[0].text
            async with http_session(server.url, "dave-0123456789abcdef") as s:
                names = [t.name for t in (await s.list_tools()).tools]
                assert "list_training_jobs" in names and "run_container_job" not in names
        run(body)
        assert asked and "trainjobs" in asked[0]
        entries = server.audit_entries()
        assert any(e["user"] == "carol" and e["result"] == "success" for e in entries)
        status, _, _ = post(server.url, INIT)
        assert status == 401


def test_loopback_only_without_auth_and_health(tmp_path, binary):
    import subprocess
    proc = subprocess.run([str(binary), "serve", "--sim", "--http", "0.0.0.0:0"], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "--auth" in proc.stderr
    with http_server(tmp_path) as server:
        base = server.url.removesuffix("/mcp")
        assert urllib.request.urlopen(base + "/healthz", timeout=10).status == 200
        assert urllib.request.urlopen(base + "/readyz", timeout=10).status == 200
        # DNS rebinding: a foreign Origin is refused.
        status, _, _ = post(server.url, INIT, {"Origin": "http://evil.example"})
        assert status == 403


def test_fastmcp_client(tmp_path):
    """A second client library: fastmcp's Streamable HTTP client, with a bearer token and elicitation."""
    fastmcp = pytest.importorskip("fastmcp")
    from fastmcp.client.transports import StreamableHttpTransport

    asked = []

    async def confirm(message, response_type, params, context):
        asked.append(message)
        return {"confirm": True}

    with http_server(tmp_path, "--auth", "kubernetes") as server:
        async def body():
            transport = StreamableHttpTransport(server.url, auth=ALICE)
            async with fastmcp.Client(transport, elicitation_handler=confirm) as client:
                names = [t.name for t in await client.list_tools()]
                assert "run_container_job" in names
                created = await client.call_tool("run_container_job", {"image": "ghcr.io/myorg/trainer:v1",
                                                                      "namespace": "ml-team-dev"})
                assert created.structured_content["job_id"]
                listed = await client.call_tool("list_training_jobs", {"namespace": "ml-team-dev"})
                assert listed.structured_content["count"] == 1
        run(body)
        assert asked
        assert any(e["user"] == "alice" and e["tool"] == "run_container_job" and e["result"] == "success"
                   for e in server.audit_entries())


def test_https_with_tls_cert_and_key(tmp_path):
    import ssl
    import subprocess

    import httpx2
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    key, cert = tmp_path / "tls.key", tmp_path / "tls.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-days", "1", "-subj", "/CN=kubeflow-mcp", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    with http_server(tmp_path, "--tls-cert", str(cert), "--tls-key", str(key)) as server:
        assert server.url.startswith("https://127.0.0.1:")

        async def body():
            context = ssl.create_default_context(cafile=str(cert))
            async with httpx2.AsyncClient(verify=context, timeout=30) as client:
                async with streamable_http_client(server.url, http_client=client) as (read, write):
                    async with ClientSession(read, write) as s:
                        await s.initialize()
                        r = await s.call_tool("get_cluster_resources", {})
                        assert not r.is_error and "GPUs free" in r.content[0].text
        run(body)
