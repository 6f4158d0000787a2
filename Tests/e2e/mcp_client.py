"""Helpers around the official MCP Python client and raw JSON-RPC lines."""
import json
import os
import subprocess
from contextlib import asynccontextmanager

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from conftest import BINARY


@asynccontextmanager
async def session(*args: str, env=None, errlog=None, **session_kwargs):
    """An initialized ClientSession to `kubeflow-mcp serve ARGS`; the server's
    stderr goes to the file `errlog` (default: nowhere)."""
    params = StdioServerParameters(command=str(BINARY), args=["serve", *args],
                                   env={**os.environ, **(env or {})})
    with open(errlog or os.devnull, "w") as err:
        async with stdio_client(params, errlog=err) as (read, write):
            async with ClientSession(read, write, **session_kwargs) as s:
                s.init_result = await s.initialize()
                yield s


async def confirmed_call(s: ClientSession, tool: str, args: dict, **kw):
    """Call a tool that needs confirmation the way a client without elicitation
    does once the user agreed: the first call returns the preview and its
    one-time `confirmation_token` (structuredContent); the second call, with the
    same arguments plus "confirm": <token>, acts. A tool that needs no
    confirmation (or an error) answers the first call; that answer is returned."""
    first = await s.call_tool(tool, args)
    token = (first.structured_content or {}).get("confirmation_token")
    if first.is_error or not token:
        return first
    return await s.call_tool(tool, {**args, "confirm": token}, **kw)


def run(fn):
    """Run an async test body."""
    return anyio.run(fn)


INIT = {"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "raw-test", "version": "1"}}}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}


class RawServer:
    """The server as a subprocess spoken to in raw JSON lines."""

    def __init__(self, *args: str, env: dict | None = None):
        self.proc = subprocess.Popen([str(BINARY), "serve", *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env={**os.environ, **env} if env else None)

    def send(self, message) -> None:
        line = message if isinstance(message, str) else json.dumps(message)
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def read(self) -> dict:
        line = self.proc.stdout.readline()
        assert line, "server closed stdout"
        return json.loads(line)

    def read_until_id(self, request_id) -> tuple[dict, list[dict]]:
        """Read until the response to request_id; return it and what came before."""
        before = []
        while True:
            message = self.read()
            if message.get("id") == request_id and "method" not in message:
                return message, before
            before.append(message)

    def initialize(self) -> dict:
        self.send(INIT)
        response, _ = self.read_until_id(0)
        self.send(INITIALIZED)
        return response

    def close(self, timeout: float = 60) -> tuple[list[dict], str, int]:
        """Close stdin; return every remaining stdout message, stderr and exit code."""
        self.proc.stdin.close()
        self.proc.stdin = None  # communicate() must not flush the closed pipe
        out, err = self.proc.communicate(timeout=timeout)
        messages = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
        return messages, err.decode(), self.proc.returncode
