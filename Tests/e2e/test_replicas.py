"""Replicas that are one service (issue 26): several `serve --http` processes on
one simulated cluster behind a real round-robin balancer (haproxy, no
affinity). Session ids and confirmation tokens are signed with a key the
replicas share through a Secret; a token is redeemed once across all of them
(recorded in the cluster); a rolling restart under load fails no call. The
official MCP client over Streamable HTTP, the built binary, the simulator."""
import base64
import json
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import anyio
import pytest

from conftest import BINARY, StandaloneSim, needs_program, program
from http_support import http_session
from mcp_client import run
from test_http_shared_use import INIT, get, post

HAPROXY = program("haproxy")
pytestmark = needs_program("haproxy", "scripts/setup --test")

ANN, ANN_AGAIN, BEN = "ann-0123456789abcdef", "ann-fedcba9876543210", "ben-0123456789abcdef"
JOB = {"image": "ghcr.io/myorg/trainer:v1", "resources_per_node": {"gpu": 1}}
LIST = {"jsonrpc": "2.0", "id": 7, "method": "tools/list"}
SECRET = "kubeflow-mcp-signing-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Replica:
    """One `serve --http` on a fixed port, restartable on it."""

    def __init__(self, tmp_path: Path, index: int, kubeconfig: Path, tokens: Path | None, *extra: str):
        self.port, self.index = free_port(), index
        self.errlog = tmp_path / f"replica{index}.err"
        self.args = [str(BINARY), "serve", "--kubeconfig", str(kubeconfig), "--http", f"127.0.0.1:{self.port}",
                     "--auth", f"tokens:{tokens}" if tokens else "kubernetes", "--audit-log", str(tmp_path / f"audit{index}.log"),
                     "--log-level", "info", "--drain-seconds", "10", *extra]
        self.proc = None
        self.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return self.base + "/mcp"

    def start(self):
        self.errlog.write_text("")
        with open(self.errlog, "a") as err:
            self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        for _ in range(600):
            if "serving MCP at " in self.errlog.read_text() or self.proc.poll() is not None:
                break
            time.sleep(0.05)
        assert "serving MCP at " in self.errlog.read_text(), self.errlog.read_text()

    def ready(self) -> bool:
        try:
            return get(self.base + "/readyz")[0] == 200
        except OSError:
            return False

    def calls(self, tool: str) -> int:
        """tools/call of `tool` this replica answered (its /metrics)."""
        text = get(self.base + "/metrics")[1]
        return sum(int(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith(f'kfmcp_tool_calls_total{{tool="{tool}",'))

    def stop(self, sig=signal.SIGTERM) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=60)


class Balancer:
    """haproxy, round robin, no affinity; a backend is used while its /readyz answers 200,
    and a request that found a backend gone is sent to another one."""

    def __init__(self, tmp_path: Path, replicas: list[Replica]):
        self.port = free_port()
        config = tmp_path / "haproxy.cfg"
        servers = "\n".join(f"    server r{r.index} 127.0.0.1:{r.port} check" for r in replicas)
        config.write_text(f"""global
    maxconn 512
defaults
    mode http
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    timeout check 5s
    retries 5
    option redispatch 1
    retry-on conn-failure empty-response 503
    option http-buffer-request
frontend mcp
    bind 127.0.0.1:{self.port}
    default_backend replicas
backend replicas
    balance roundrobin
    option httpchk GET /readyz
    default-server inter 100ms fall 1 rise 1
{servers}
""")
        self.proc = subprocess.Popen([HAPROXY, "-f", str(config), "-db"], stdout=subprocess.DEVNULL,
                                     stderr=open(tmp_path / "haproxy.err", "w"))
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}/mcp"

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def tokens(tmp_path) -> Path:
    path = tmp_path / "tokens.yaml"
    # Two credentials for the name "ann": the same name is not the same credential.
    path.write_text("tokens:\n"
                    f"  - {{token: {ANN}, user: ann}}\n"
                    f"  - {{token: {ANN_AGAIN}, user: ann}}\n"
                    f"  - {{token: {BEN}, user: ben}}\n")
    return path


@contextmanager
def cluster_of(tmp_path: Path, tokens: Path, count: int):
    sim = StandaloneSim(tmp_path)
    replicas, balancer = [], None
    try:
        replicas = [Replica(tmp_path, i, sim.kubeconfig, tokens) for i in range(count)]
        balancer = Balancer(tmp_path, replicas)
        for _ in range(200):
            if all(r.ready() for r in replicas):
                break
            time.sleep(0.05)
        yield sim, replicas, balancer
    finally:
        if balancer:
            balancer.stop()
        for r in replicas:
            if r.proc.poll() is None:
                r.stop(signal.SIGINT)
        sim.stop()


def kubectl(sim: StandaloneSim, *args: str) -> str:
    return subprocess.run(["kubectl", "--kubeconfig", str(sim.kubeconfig), *args], check=True, capture_output=True,
                          text=True).stdout


def trainjobs(sim: StandaloneSim) -> list[str]:
    items = json.loads(kubectl(sim, "get", "trainjobs", "-n", "default", "-o", "json"))["items"]
    return sorted(j["metadata"]["name"] for j in items)


def open_session(url: str, token: str) -> str:
    status, headers, body = post(url, INIT, {"Authorization": f"Bearer {token}"})
    assert status == 200, body
    return headers["mcp-session-id"]


def in_session(url: str, token: str, sid: str, body: dict = LIST) -> int:
    return post(url, body, {"Authorization": f"Bearer {token}", "Mcp-Session-Id": sid})[0]


def test_a_session_spreads_across_replicas_and_a_token_confirms_once_on_any(tmp_path, tokens):
    with cluster_of(tmp_path, tokens, 2) as (sim, replicas, balancer):
        # The first replica created the signing key Secret; the second read the same one.
        secret = json.loads(kubectl(sim, "get", "secret", SECRET, "-n", "default", "-o", "json"))
        assert len(base64.b64decode(secret["data"]["current"])) == 32
        assert all("signing with key" in r.errlog.read_text() for r in replicas)
        key_ids = {line.split("signing with key ")[1].split()[0] for r in replicas
                   for line in r.errlog.read_text().splitlines() if "signing with key " in line}
        assert len(key_ids) == 1

        async def body():
            async with http_session(balancer.url, ANN) as s:
                for _ in range(8):
                    r = await s.call_tool("list_training_runtimes", {})
                    assert not r.is_error, r.content[0].text
                # The balancer really alternated: both replicas answered calls of this one session.
                counts = [r.calls("list_training_runtimes") for r in replicas]
                assert sum(counts) == 8 and all(c > 0 for c in counts), counts

                # Preview on one replica, confirm on the other (each through its own client).
                async with http_session(replicas[0].url, ANN) as on0, http_session(replicas[1].url, ANN) as on1:
                    preview = await on0.call_tool("run_container_job", JOB)
                    token = preview.structured_content["confirmation_token"]
                    assert trainjobs(sim) == []
                    done = await on1.call_tool("run_container_job", {**JOB, "confirm": token})
                    assert not done.is_error, done.content[0].text
                    assert trainjobs(sim) == [done.structured_content["job_id"]]
                    # Replayed on either replica and through the balancer: nothing more is created.
                    for client in (on0, on1, s):
                        again = await client.call_tool("run_container_job", {**JOB, "confirm": token})
                        assert again.is_error and "already used" in again.content[0].text
                    assert len(trainjobs(sim)) == 1
        run(body)


def test_forged_foreign_and_other_credentials_ids_and_tokens_are_refused(tmp_path, tokens):
    with cluster_of(tmp_path, tokens, 2) as (sim, (r0, r1), balancer):
        sid = open_session(r0.url, ANN)
        assert in_session(r1.url, ANN, sid) == 200           # opened on r0, continued on r1
        assert in_session(r1.url, BEN, sid) == 404           # another user
        assert in_session(r1.url, ANN_AGAIN, sid) == 404     # the same name, another credential
        assert in_session(r0.url, ANN_AGAIN, sid) == 404     # also where it was opened
        kind, payload, mac = sid.split(".")
        # Tampered: another payload under the same MAC; a MAC cut short; junk.
        other = base64.urlsafe_b64encode(b'v1{"bind":"x","version":"2025-11-25","exp":9999999999000}').decode().rstrip("=")
        for forged in (f"{kind}.{other}.{mac}", f"{kind}.{payload}.{mac[:-4]}", sid + "A", "kfms-00000000.e30.AAAA",
                       "kfct-" + sid[5:], "x" * 9000):
            assert in_session(r1.url, ANN, forged) in (400, 404), forged

        # A replica with its own key (--signing-key-secret none) is another service: its ids and tokens are foreign.
        lone = Replica(tmp_path, 9, sim.kubeconfig, tokens, "--signing-key-secret", "none")
        try:
            foreign_sid = open_session(lone.url, ANN)
            assert in_session(r0.url, ANN, foreign_sid) == 404

            async def foreign_token():
                async with http_session(lone.url, ANN) as alone, http_session(r0.url, ANN) as on0, \
                        http_session(r1.url, BEN) as ben:
                    token = (await alone.call_tool("run_container_job", JOB)).structured_content["confirmation_token"]
                    r = await on0.call_tool("run_container_job", {**JOB, "confirm": token})
                    assert r.is_error and "not one this server issued" in r.content[0].text
                    # A genuine token presented by another user does nothing, and does not spend it.
                    token = (await on0.call_tool("run_container_job", JOB)).structured_content["confirmation_token"]
                    r = await ben.call_tool("run_container_job", {**JOB, "confirm": token})
                    assert r.is_error and "another user" in r.content[0].text
                    assert trainjobs(sim) == []
                    async with http_session(r1.url, ANN_AGAIN) as ann_again:
                        r = await ann_again.call_tool("run_container_job", {**JOB, "confirm": token})
                        assert r.is_error and "another user" in r.content[0].text
                    r = await on0.call_tool("run_container_job", {**JOB, "confirm": token})
                    assert not r.is_error, r.content[0].text
                    assert len(trainjobs(sim)) == 1
            run(foreign_token)
        finally:
            lone.stop(signal.SIGINT)

        # DELETE on one replica ends the session on every replica.
        status = post(r1.url, LIST, {"Authorization": f"Bearer {ANN}", "Mcp-Session-Id": sid})[0]
        assert status == 200
        request = urllib.request.Request(r1.url, method="DELETE", headers={"Authorization": f"Bearer {ANN}", "Mcp-Session-Id": sid})
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 200
        assert in_session(r1.url, ANN, sid) == 404
        # r0 holds the session in memory and asks the cluster again within seconds (10).
        for _ in range(600):
            if in_session(r0.url, ANN, sid) == 404:
                break
            time.sleep(0.1)
        assert in_session(r0.url, ANN, sid) == 404
        assert in_session(balancer.url, ANN, sid) == 404


def test_under_kubernetes_auth_a_session_is_bound_to_the_reviewed_identity(tmp_path):
    """--auth kubernetes: the binding is the TokenReview's uid, name and groups; an expired id is refused."""
    from http_support import ALICE, BOB
    sim = StandaloneSim(tmp_path)
    replicas = []
    try:
        replicas = [Replica(tmp_path, i, sim.kubeconfig, None, "--session-lifetime", "5") for i in range(2)]
        sid = open_session(replicas[0].url, ALICE)
        assert in_session(replicas[1].url, ALICE, sid) == 200
        assert in_session(replicas[1].url, BOB, sid) == 404
        # Past its lifetime the id is refused on every replica, the one holding it in memory too.
        time.sleep(5.5)
        assert [in_session(r.url, ALICE, sid) for r in replicas] == [404, 404]
    finally:
        for r in replicas:
            r.stop(signal.SIGINT)
        sim.stop()


def test_a_key_rotation_keeps_sessions_and_tokens_in_flight(tmp_path, tokens):
    """current → previous, a new current: what the old key signed still verifies, on every replica."""
    with cluster_of(tmp_path, tokens, 2) as (sim, (r0, r1), balancer):
        sid = open_session(r0.url, ANN)

        async def preview():
            async with http_session(r0.url, ANN) as s:
                return (await s.call_tool("run_container_job", JOB)).structured_content["confirmation_token"]
        token = run(preview)
        old = json.loads(kubectl(sim, "get", "secret", SECRET, "-n", "default", "-o", "json"))["data"]["current"]
        new = base64.b64encode(bytes(range(32))).decode()
        kubectl(sim, "patch", "secret", SECRET, "-n", "default", "-p", json.dumps({"data": {"previous": old, "current": new}}))
        # A replica started now signs with the new key; the others learn it from the first id that names it.
        r2 = Replica(tmp_path, 2, sim.kubeconfig, tokens)
        try:
            fresh = open_session(r2.url, ANN)
            assert fresh.split(".")[0] != sid.split(".")[0]      # another key id
            assert in_session(r1.url, ANN, fresh) == 200         # r1 re-read the Secret
            for replica in (r0, r1, r2):
                assert in_session(replica.url, ANN, sid) == 200  # the old key still verifies

            async def confirm():
                async with http_session(r2.url, ANN) as s:
                    done = await s.call_tool("run_container_job", {**JOB, "confirm": token})
                    assert not done.is_error, done.content[0].text
            run(confirm)
            assert len(trainjobs(sim)) == 1
        finally:
            r2.stop(signal.SIGINT)


TOOL = "list_training_runtimes"


def test_a_rolling_restart_under_load_fails_no_call(tmp_path, tokens):
    with cluster_of(tmp_path, tokens, 2) as (sim, replicas, balancer):
        outcomes = {"ok": 0, "failed": []}
        restarted = anyio.Event()

        async def body():
            async with http_session(balancer.url, ANN) as s:
                async def keep_calling():
                    while not restarted.is_set():
                        try:
                            r = await s.call_tool(TOOL, {})
                            if r.is_error:
                                outcomes["failed"].append(r.content[0].text)
                            else:
                                outcomes["ok"] += 1
                        except Exception as e:  # noqa: BLE001 - any failure counts
                            outcomes["failed"].append(repr(e))

                async def roll():
                    for replica in replicas:
                        before = outcomes["ok"]
                        await anyio.to_thread.run_sync(replica.stop)   # SIGTERM: drain, exit 0
                        assert replica.proc.returncode == 0
                        await anyio.to_thread.run_sync(replica.start)
                        while not replica.ready():
                            await anyio.sleep(0.05)
                        # Calls went on while it was away, and the balancer sends it calls again.
                        while outcomes["ok"] < before + 10 or await anyio.to_thread.run_sync(replica.calls, TOOL) == 0:
                            await anyio.sleep(0.05)
                    restarted.set()

                async with anyio.create_task_group() as tg:
                    tg.start_soon(keep_calling)
                    tg.start_soon(keep_calling)
                    tg.start_soon(roll)
        run(body)
        assert outcomes["failed"] == [], outcomes["failed"][:3]
        assert outcomes["ok"] >= 20
        # Both restarted replicas served the session afterwards.
        assert all(r.calls(TOOL) > 0 for r in replicas)
