"""Helpers for the Streamable HTTP tests: the server as a subprocess on a free
loopback port, and official-client sessions to it with a bearer token."""
import json
import os
import subprocess
import time
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from conftest import BINARY

ADMIN = "kfsim-admin-token"
ALICE = "kfsim-data-scientist-token"   # data scientist: everything in ml-team-dev only
BOB = "kfsim-read-only-token"          # read-only everywhere


class HTTPServer:
    def __init__(self, url: str, proc: subprocess.Popen, errlog: Path, audit: Path):
        self.url, self.proc, self.errlog, self.audit = url, proc, errlog, audit

    def audit_entries(self) -> list[dict]:
        return [json.loads(line) for line in self.audit.read_text().splitlines() if line.strip()]

    def stderr(self) -> str:
        return self.errlog.read_text()


@contextmanager
def http_server(tmp_path: Path, *args: str, stdout=subprocess.DEVNULL):
    """`kubeflow-mcp serve --sim --http 127.0.0.1:0 ARGS`, until the block ends."""
    errlog, audit = tmp_path / "server.err", tmp_path / "audit.log"
    with open(errlog, "w") as err:
        proc = subprocess.Popen([str(BINARY), "serve", "--sim", "--http", "127.0.0.1:0", "--audit-log", str(audit),
                                 "--log-level", "info", *args],
                                stdin=subprocess.DEVNULL, stdout=stdout, stderr=err)
    try:
        url = None
        for _ in range(600):
            for line in errlog.read_text().splitlines():
                if "serving MCP at " in line:
                    url = line.split("serving MCP at ")[1].split()[0]
            if url or proc.poll() is not None:
                break
            time.sleep(0.05)
        assert url, f"the server did not start:\n{errlog.read_text()}"
        yield HTTPServer(url, proc, errlog, audit)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@asynccontextmanager
async def http_session(url: str, token: str | None, **session_kwargs):
    """An initialized official-client session over Streamable HTTP."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with create_mcp_http_client(headers=headers) as client:
        async with streamable_http_client(url, http_client=client) as (read, write):
            async with ClientSession(read, write, **session_kwargs) as s:
                s.init_result = await s.initialize()
                yield s
