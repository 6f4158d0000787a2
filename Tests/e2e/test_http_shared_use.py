"""`serve --http` shared by many users: drained on SIGTERM, fair to every user
(429 with Retry-After past a user's share), /metrics, bounded connections and
memory. The official MCP client over Streamable HTTP against the built binary."""
import http.client
import json
import shutil
import signal
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import anyio
import pytest

from conftest import BUILD, plugin_dir
from http_support import http_server, http_session
from mcp_client import run

CAROL, DAVE = "carol-0123456789abcdef", "dave-0123456789abcdef"
INIT = {"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}


def post(url: str, body: dict, headers: dict | None = None) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2025-11-25", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read(4096).decode()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read().decode()


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


@pytest.fixture
def with_sample(tmp_path) -> list[str]:
    """The default plugins plus the sample plugin (its sample_countdown is a slow read-only tool)."""
    d = plugin_dir(tmp_path)
    shutil.copy(BUILD / "libkfmcp-sample.so", d / "libkfmcp-sample.so")
    (d / "sample.yaml").write_text("library: libkfmcp-sample.so\nenabled: true\n")
    return ["--plugins-dir", str(d)]


@pytest.fixture
def tokens(tmp_path) -> Path:
    path = tmp_path / "tokens.yaml"
    path.write_text("tokens:\n"
                    f"  - {{token: {CAROL}, user: carol}}\n"
                    f"  - {{token: {DAVE}, user: dave}}\n")
    return path


async def countdown_in_flight(tg, s, steps: int, into: dict | None = None, swallow: bool = False):
    """Starts sample_countdown (100 ms a step) in `tg` and returns once it reported progress:
    the call is running in the server. Its result goes to into["result"]."""
    started = anyio.Event()

    async def on_progress(progress, total, message):
        started.set()

    async def call():
        try:
            result = await s.call_tool("sample_countdown", {"steps": steps, "step_ms": 100}, progress_callback=on_progress)
        except Exception:
            if not swallow:
                raise
            return   # the server ended the call's stream: what the client makes of it is its own affair
        if into is not None:
            into["result"] = result
    tg.start_soon(call)
    await started.wait()


def test_sigterm_drains_calls_in_flight_then_exits_0(tmp_path, with_sample):
    with http_server(tmp_path, *with_sample) as server:
        base = server.url.removesuffix("/mcp")
        assert get(base + "/readyz")[0] == 200
        seen = {}

        async def body():
            async with http_session(server.url, None) as s:
                async with anyio.create_task_group() as tg:
                    await countdown_in_flight(tg, s, 60, into=seen)
                    server.proc.send_signal(signal.SIGTERM)
                    # Unready at once; a new session is refused with a reason, pointing elsewhere.
                    with anyio.fail_after(10):
                        while (await anyio.to_thread.run_sync(get, base + "/readyz"))[0] != 503:
                            await anyio.sleep(0.05)
                    status, headers, text = await anyio.to_thread.run_sync(post, server.url, INIT)
                    assert status == 503 and "shutting down" in text and "retry-after" in headers
                    assert "result" not in seen, "the call ended before the drain test could see it in flight"
        run(body)
        # The call in flight finished, whole; then the server exited cleanly.
        assert not seen["result"].is_error and seen["result"].structured_content == {"completed": 60, "cancelled": False}
        assert server.proc.wait(timeout=30) == 0
        assert "draining" in server.stderr()


def test_a_call_longer_than_the_drain_is_cut_and_the_server_still_exits_0(tmp_path, with_sample):
    with http_server(tmp_path, *with_sample, "--drain-seconds", "1") as server:
        async def body():
            async with http_session(server.url, None) as s:
                async with anyio.create_task_group() as tg:
                    await countdown_in_flight(tg, s, 10000, swallow=True)
                    server.proc.send_signal(signal.SIGTERM)
                    assert await anyio.to_thread.run_sync(lambda: server.proc.wait(timeout=60)) == 0
                    tg.cancel_scope.cancel()
        run(body)
        assert "sample_countdown cancelled at step" in server.stderr(), server.stderr()


def test_one_user_flooding_gets_429_while_another_is_served(tmp_path, with_sample, tokens):
    with http_server(tmp_path, *with_sample, "--auth", f"tokens:{tokens}",
                     "--max-calls-per-user", "2", "--max-sessions-per-user", "2") as server:
        async def body():
            async with http_session(server.url, CAROL) as flood:
                async with anyio.create_task_group() as tg:
                    for _ in range(2):   # carol's share, running
                        await countdown_in_flight(tg, flood, 600, swallow=True)

                    # carol's third call at once: 429 with Retry-After, over her raw second session.
                    status, headers, _ = await anyio.to_thread.run_sync(
                        post, server.url, INIT, {"Authorization": f"Bearer {CAROL}"})
                    assert status == 200, status
                    sid = headers["mcp-session-id"]
                    auth = {"Authorization": f"Bearer {CAROL}", "Mcp-Session-Id": sid}
                    await anyio.to_thread.run_sync(post, server.url, {"jsonrpc": "2.0", "method": "notifications/initialized"}, auth)
                    call = {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "sample_echo", "arguments": {"text": "x"}}}
                    status, headers, text = await anyio.to_thread.run_sync(post, server.url, call, auth)
                    assert status == 429 and int(headers["retry-after"]) > 0 and "--max-calls-per-user" in text, (status, text)
                    # ...and a third session: 429 as well, not 503 "Internal error".
                    status, headers, text = await anyio.to_thread.run_sync(
                        post, server.url, INIT, {"Authorization": f"Bearer {CAROL}"})
                    assert status == 429 and "retry-after" in headers and "--max-sessions-per-user" in text, (status, text)

                    # dave is not carol: his calls are answered while she floods.
                    async with http_session(server.url, DAVE) as other:
                        with anyio.fail_after(30):
                            r = await other.call_tool("list_training_runtimes", {})
                        assert not r.is_error, r.content[0].text
                    tg.cancel_scope.cancel()

            status, text = await anyio.to_thread.run_sync(get, server.url.removesuffix("/mcp") + "/metrics")
            assert status == 200
            assert 'kfmcp_requests_refused_total{reason="calls_per_user"} 1' in text
            assert 'kfmcp_requests_refused_total{reason="sessions_per_user"} 1' in text
            assert 'kfmcp_tool_calls_total{tool="list_training_runtimes",outcome="ok"} 1' in text
            # No user data in the labels.
            assert "carol" not in text and "dave" not in text
        run(body)


def test_metrics_in_prometheus_text_format(tmp_path, with_sample):
    with http_server(tmp_path, *with_sample) as server:
        async def body():
            async with http_session(server.url, None) as s:
                await s.call_tool("sample_echo", {"text": "secret-ish argument"})
                await s.call_tool("get_training_job", {"name": "no-such-job", "namespace": "default"})
                await s.call_tool("no_such_tool", {})
                with urllib.request.urlopen(server.url.removesuffix("/mcp") + "/metrics", timeout=10) as r:
                    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
                    return r.read().decode()
        text = run(body)
        lines = text.splitlines()
        assert 'kfmcp_tool_calls_total{tool="sample_echo",outcome="ok"} 1' in lines
        assert 'kfmcp_tool_calls_total{tool="get_training_job",outcome="error"} 1' in lines
        assert 'kfmcp_tool_calls_total{tool="unknown",outcome="error"} 1' in lines
        assert 'kfmcp_tool_call_duration_seconds_count{tool="sample_echo"} 1' in lines
        assert 'kfmcp_tool_call_duration_seconds_bucket{tool="sample_echo",le="+Inf"} 1' in lines
        assert "kfmcp_tool_call_errors_total 2" in lines
        assert "kfmcp_sessions 1" in lines and "kfmcp_tool_calls_in_flight 0" in lines
        assert "kfmcp_tool_queue_depth 0" in lines and any(l.startswith("kfmcp_tool_threads_busy ") for l in lines)
        assert "secret-ish" not in text and "no_such_tool" not in text
        # Every sample line is NAME{labels} VALUE with a declared TYPE (the exposition format).
        typed = {line.split()[2] for line in lines if line.startswith("# TYPE ")}
        for line in lines:
            if line and not line.startswith("#"):
                name = line.split("{")[0].split()[0]
                assert any(name == t or name.startswith(t + "_") for t in typed), line
                float(line.rsplit(" ", 1)[1])


def test_a_bad_bearer_token_costs_one_token_review(tmp_path):
    from http_support import ALICE
    with http_server(tmp_path, "--auth", "kubernetes") as server:
        metrics = server.url.removesuffix("/mcp") + "/metrics"
        for _ in range(5):
            assert post(server.url, INIT, {"Authorization": "Bearer not-a-token"})[0] == 401
        status, text = get(metrics)
        assert "kfmcp_token_reviews_total 1" in text.splitlines(), text

        # Made-up tokens, each new: past a few failures a second, they wait (429) instead of costing reviews.
        answers = [post(server.url, INIT, {"Authorization": f"Bearer made-up-{i}"}) for i in range(60)]
        assert {status for status, _, _ in answers} <= {401, 429}
        throttled = [headers for status, headers, _ in answers if status == 429]
        assert throttled and all(int(h["retry-after"]) > 0 for h in throttled)
        reviews = next(int(l.split()[1]) for l in get(metrics)[1].splitlines() if l.startswith("kfmcp_token_reviews_total"))
        assert reviews <= 1 + 60 - len(throttled)
        # A real user is let in once the second has passed.
        time.sleep(1.5)
        status, _, _ = post(server.url, INIT, {"Authorization": f"Bearer {ALICE}"})
        assert status == 200, status


def test_silent_and_trickling_connections_are_closed(tmp_path):
    with http_server(tmp_path, "--read-timeout", "1") as server:
        host, port = server.url.removeprefix("http://").removesuffix("/mcp").rsplit(":", 1)
        silent = socket.create_connection((host, int(port)), timeout=30)
        half = socket.create_connection((host, int(port)), timeout=30)
        half.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")   # the headers never end
        # Trickling: a header line every half second, never ending, each wait shorter than the deadline.
        trickle = socket.create_connection((host, int(port)), timeout=30)
        trickle.sendall(b"GET /healthz HTTP/1.1\r\n")
        closed = False
        for i in range(100):
            try:
                trickle.sendall(f"X-Slow-{i}: 1\r\n".encode())
            except OSError:
                closed = True
                break
            time.sleep(0.5)
        assert closed, "a connection trickling headers was kept open"
        for conn in (silent, half):
            assert conn.recv(100) == b""                           # closed by the server, not by our timeout
        # A client that keeps talking is served as before, on one connection for longer than the deadline.
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        for _ in range(6):
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            assert response.status == 200
            response.read()
            time.sleep(0.5)
        conn.close()


def test_queued_calls_are_served_round_robin_across_users(tmp_path, with_sample, tokens, monkeypatch):
    """Three tool threads; carol floods 16 slow calls (3 run, 13 wait). dave's quick call
    waits for one turn, not behind carol's 13: counted in calls, not seconds."""
    monkeypatch.setenv("KFMCP_MAX_TOOL_THREADS", "2")  # + 1: the pool's spare for the stdin reader
    with http_server(tmp_path, *with_sample, "--auth", f"tokens:{tokens}") as server:
        finished: list[str] = []
        began = time.monotonic()

        async def body():
            async with http_session(server.url, CAROL) as flood, http_session(server.url, DAVE) as other:
                async with anyio.create_task_group() as tg:
                    async def slow(i):
                        r = await flood.call_tool("sample_countdown", {"steps": 3, "step_ms": 100})
                        assert not r.is_error, r.content[0].text
                        finished.append(f"carol {i}")
                    for i in range(16):
                        tg.start_soon(slow, i)
                    # Every one of carol's calls is in the server (running or queued) before dave asks.
                    with anyio.fail_after(60):
                        while True:
                            _, text = await anyio.to_thread.run_sync(get, server.url.removesuffix("/mcp") + "/metrics")
                            depth = next(int(l.split()[1]) for l in text.splitlines() if l.startswith("kfmcp_tool_queue_depth "))
                            if depth >= 10:
                                break
                            await anyio.sleep(0.05)
                    asked = time.monotonic() - began
                    r = await other.call_tool("sample_echo", {"text": "quick"})
                    assert not r.is_error
                    finished.append("dave")
                    print(f"dave asked at {asked:.2f} s with {depth} calls queued, answered at {time.monotonic() - began:.2f} s")
        run(body)
        ahead = finished.index("dave")
        print(f"order: {finished}")
        # Round-robin: carol's 3 running calls and about one more per thread turn finish first.
        # First-in first-out across users, dave would wait for at least the 10 queued before him.
        assert ahead <= 6, finished
        assert len(finished) == 17


def test_10000_small_mcp_requests_keep_memory_flat(tmp_path):
    """10,000 pings over one session (POST, SSE answer): nothing is kept per finished request."""
    with http_server(tmp_path, "--request-timeout", "2") as server:
        status, headers, _ = post(server.url, INIT)
        assert status == 200
        sid = headers["mcp-session-id"]
        host, port = server.url.removeprefix("http://").removesuffix("/mcp").rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        head = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
                "MCP-Protocol-Version": "2025-11-25", "Mcp-Session-Id": sid}
        conn.request("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}), head)
        conn.getresponse().read()

        def batch(first: int, n: int):
            for i in range(first, first + n):
                conn.request("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": i, "method": "ping"}), head)
                response = conn.getresponse()
                assert response.status == 200 and f'"id":{i}' in response.read().decode()

        began = time.monotonic()
        batch(1, 2000)  # warm: pools and caches reach their size
        time.sleep(3)
        before = rss_kib(server.proc.pid)
        batch(10_000, 10_000)
        time.sleep(3)
        grown = rss_kib(server.proc.pid) - before
        print(f"12,000 pings in {time.monotonic() - began:.1f} s; RSS {before} KiB before the 10,000, grew {grown} KiB")
        conn.close()
        # Allowed: 2 MiB (allocator noise); kept per request, 10,000 requests held ~7 MiB.
        assert grown < 2 * 1024, f"RSS grew by {grown} KiB over 10,000 requests"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_memory_is_not_kept_per_finished_request(tmp_path):
    """FlyingFox holds a timer per request until its timeout: a short --request-timeout
    gives it back within seconds (it was an hour), so memory stays flat under load."""
    with http_server(tmp_path, "--request-timeout", "2") as server:
        host, port = server.url.removeprefix("http://").removesuffix("/mcp").rsplit(":", 1)

        def batch(n: int):
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
            for _ in range(n):
                conn.request("GET", "/healthz")
                response = conn.getresponse()
                assert response.status == 200
                response.read()
            conn.close()

        batch(5000)
        time.sleep(3)
        before = rss_kib(server.proc.pid)
        for _ in range(2):
            batch(5000)
            time.sleep(3)
        grown = rss_kib(server.proc.pid) - before
        # Kept per request, 10,000 requests held ~7 MiB; reused, the growth is noise.
        assert grown < 3 * 1024, f"RSS grew by {grown} KiB over 10,000 requests"


def test_audit_log_to_stdout_as_json_lines(tmp_path, binary):
    """--audit-log -: what a cluster's log collector reads (stdout carries no MCP over HTTP)."""
    import subprocess
    refused = subprocess.run([str(binary), "serve", "--sim", "--audit-log", "-"], capture_output=True, text=True,
                             timeout=60, stdin=subprocess.DEVNULL)
    assert refused.returncode != 0 and "stdout carries the MCP protocol" in refused.stderr
    out = tmp_path / "stdout.log"
    with open(out, "w") as stdout, http_server(tmp_path, "--audit-log", "-", stdout=stdout) as server:
        async def body():
            async with http_session(server.url, None) as s:
                assert not (await s.call_tool("list_training_runtimes", {})).is_error
        run(body)
        for _ in range(100):
            if out.read_text().strip():
                break
            time.sleep(0.05)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [e["tool"] for e in lines] == ["list_training_runtimes"] and lines[0]["result"] == "success"
    assert not server.audit.exists() or not server.audit.read_text().strip()


def test_an_unanswered_elicitation_ends_at_the_calls_deadline(tmp_path, tokens):
    """--call-timeout bounds a call over HTTP as over stdio, a question nobody answers included."""
    from mcp import types

    async def never(context, params: types.ElicitRequestParams):
        await anyio.sleep(3600)

    with http_server(tmp_path, "--auth", f"tokens:{tokens}", "--call-timeout", "2") as server:
        async def body():
            async with http_session(server.url, CAROL, elicitation_callback=never) as s:
                with anyio.fail_after(120):
                    r = await s.call_tool("run_container_job", {"image": "ghcr.io/myorg/trainer:v1"})
                assert r.is_error, r
                return r.content[0].text
        text = run(body)
        assert "2" in text and ("time" in text.lower() or "deadline" in text.lower()), text
        assert not any(e["tool"] == "run_container_job" and e["result"] == "success" for e in server.audit_entries())


def test_a_persona_is_a_set_of_tools_and_a_set_of_namespaces(tmp_path, binary):
    """--user-policy …=PERSONA@NS and a tokens file's namespaces: the user acts in those namespaces only,
    whatever the server's own identity could do."""
    import subprocess
    tokens = tmp_path / "tokens.yaml"
    tokens.write_text("tokens:\n"
                      f"  - {{token: {CAROL}, user: carol, namespaces: [ml-team-dev]}}\n"
                      f"  - {{token: {DAVE}, user: dave}}\n")
    for bad in ["user:dave=readonly@Bad_NS", "user:dave=readonly@", "user:dave=readonly@a,,b"]:
        proc = subprocess.run([str(binary), "serve", "--sim", "--http", "127.0.0.1:0", "--user-policy", bad],
                              capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert proc.returncode != 0 and "namespace" in proc.stderr and "@NS1,NS2" in proc.stderr, proc.stderr
    with http_server(tmp_path, "--auth", f"tokens:{tokens}", "--user-policy", "user:dave=readonly@ml-team-dev") as server:
        async def body():
            async with http_session(server.url, CAROL) as s:
                mine = await s.call_tool("list_training_jobs", {"namespace": "ml-team-dev"})
                assert not mine.is_error, mine.content[0].text
                theirs = await s.call_tool("run_container_job", {"image": "ghcr.io/myorg/trainer:v1",
                                                                "namespace": "kubeflow-system"})
                assert theirs.is_error and "kubeflow-system" in theirs.content[0].text
            async with http_session(server.url, DAVE) as s:
                names = [t.name for t in (await s.list_tools()).tools]
                assert "run_container_job" not in names            # readonly's tools
                other = await s.call_tool("list_training_jobs", {"namespace": "default"})
                assert other.is_error and "default" in other.content[0].text
                assert not (await s.call_tool("list_training_jobs", {"namespace": "ml-team-dev"})).is_error
        run(body)
