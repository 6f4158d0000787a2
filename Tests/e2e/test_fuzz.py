"""Protocol fuzzing (issue 12): 10,000+ malformed and hostile lines, fixed seed,
pipelined into one server. After every batch the server must still answer ping
and tools/list, every stdout line must be a JSON-RPC object, and EOF must end
it with status 0."""
import json
import queue
import random
import subprocess
import threading

from conftest import BINARY, ROOT, compile_c_plugin, plugin_dir
from mcp_client import INIT, INITIALIZED

HELLO = ROOT / "examples" / "c-plugin" / "hello_c.c"
BATCHES, PER_BATCH = 25, 420  # 10,500 lines
LINE_LIMIT = 65536


def hostile_line(rng: random.Random, before_init: bool) -> bytes:
    rid = rng.choice([1, -7, "x", 2**63, 2**63 - 1, 1.5, 1e2, True, None, {"a": 1}, [1], "", 0])
    kind = rng.randrange(16)
    if kind == 0:  # truncated JSON
        full = json.dumps({"jsonrpc": "2.0", "id": 3, "method": "tools/list"})
        return full[: rng.randrange(1, len(full))].encode()
    if kind == 1:  # odd ids
        return json.dumps({"jsonrpc": "2.0", "id": rid, "method": "ping"}).encode()
    if kind == 2:  # wrong types
        field = rng.choice(["method", "params", "jsonrpc"])
        message = {"jsonrpc": "2.0", "id": rng.randrange(10**6), "method": "tools/call", "params": {}}
        message[field] = rng.choice([5, None, [], "x", {"n": 1}, 1.5, False])
        return json.dumps(message).encode()
    if kind == 3:  # batches
        return json.dumps([{"jsonrpc": "2.0", "id": i, "method": "ping"} for i in range(rng.randrange(0, 4))]).encode()
    if kind == 4:  # random bytes: invalid UTF-8, NULs, control characters (no newline)
        return bytes(rng.choice([b for b in range(256) if b != 10]) for _ in range(rng.randrange(1, 200)))
    if kind == 5:  # deep nesting
        depth = rng.randrange(100, 20000)
        return (rng.choice("[{") * depth if rng.random() < 0.5 else "[" * depth + "]" * depth).replace("{", '{"a":').encode()
    if kind == 6:  # huge lines (over the limit, or just under it)
        n = rng.choice([LINE_LIMIT + rng.randrange(1, 300_000), LINE_LIMIT - 200])
        return b'{"jsonrpc":"2.0","id":"big","method":"ping","params":{"pad":"' + b"x" * n + b'"}}'
    if kind == 7:  # tools/call with hostile arguments
        args = rng.choice([{"a": "1", "b": 2}, {"a": 1e308, "b": -1e308}, {"a": 1}, [], "x", None,
                           {"a": 1, "b": 2, "c": {"d": [1] * 50}}, {"a": 2**70, "b": 1}])
        name = rng.choice(["c_add", "c_context", "no_such_tool", "", "../etc", "c_add\u0000", 7])
        return json.dumps({"jsonrpc": "2.0", "id": rng.randrange(10**9), "method": "tools/call",
                           "params": {"name": name, "arguments": args}}).encode()
    if kind == 8:  # unknown methods and methods the SDK serves, with junk params
        method = rng.choice(["nope", "tools/list", "resources/list", "logging/setLevel", "initialize", "ping",
                             "prompts/get", "completion/complete", "rpc.discover", ""])
        return json.dumps({"jsonrpc": "2.0", "id": f"m{rng.randrange(10**6)}", "method": method,
                           "params": rng.choice([{}, {"level": "loud"}, {"x": [None]}])}).encode()
    if kind == 9:  # notifications, cancellations of anything
        return json.dumps({"jsonrpc": "2.0", "method": rng.choice(["notifications/cancelled", "notifications/x",
                                                                   "notifications/initialized"]),
                           "params": {"requestId": rid}}).encode()
    if kind == 10:  # responses nobody asked for
        return json.dumps({"jsonrpc": "2.0", "id": rid, "result": rng.choice([{}, None, 5])}).encode()
    if kind == 11:  # whitespace, empty, CR
        return rng.choice([b"", b"   ", b"\r", b"\t\t", b"\x00"])
    if kind == 12:  # lone surrogates and escapes
        return b'{"jsonrpc":"2.0","id":"s","method":"tools/call","params":{"name":"c_add\\ud800","arguments":{"a":"\\udfff"}}}'
    if kind == 13:  # scalars and junk JSON
        return rng.choice([b"5", b"null", b'"str"', b"true", b"{}", b"[]", b'{"jsonrpc":"1.0","id":1,"method":"ping"}'])
    if kind == 14:  # duplicate keys, numbers at the edge
        return b'{"jsonrpc":"2.0","id":1,"id":2,"method":"ping","params":{"n":1e999999,"m":-0}}'
    return json.dumps({"jsonrpc": "2.0", "id": rng.randrange(10**6), "method": "tools/list",
                       "params": {"cursor": rng.choice([None, "x", 5])}}).encode()


def test_fuzzed_lines_never_stop_the_server(tmp_path):
    d = plugin_dir(tmp_path)
    compile_c_plugin(HELLO, d / "libhello_c.so")
    proc = subprocess.Popen([str(BINARY), "serve", "--no-default-plugins", "--plugins-dir", str(d),
                             "--max-line-bytes", str(LINE_LIMIT)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    lines: "queue.Queue[dict | None]" = queue.Queue()
    bad: list[bytes] = []

    def read_stdout():
        for raw in proc.stdout:
            try:
                message = json.loads(raw)
                assert isinstance(message, dict) and message.get("jsonrpc") == "2.0"
                lines.put(message)
            except Exception:  # noqa: BLE001 — any non-JSON-RPC byte is the failure
                bad.append(raw[:200])
        lines.put(None)

    threading.Thread(target=read_stdout, daemon=True).start()
    rng = random.Random(20261202)

    try:
        fuzz(proc, rng, lines, bad)
    finally:
        if proc.poll() is None:
            proc.kill()


def fuzz(proc, rng, lines, bad):
    def send(chunk: bytes):
        proc.stdin.write(chunk)
        proc.stdin.flush()

    def wait_for(ids: set):
        seen = set()
        while not ids <= seen:
            message = lines.get(timeout=120)
            assert message is not None, "server closed stdout"
            if "method" not in message and message.get("id") in ids:
                seen.add(message["id"])
                assert "result" in message, message
                if str(message["id"]).startswith("list"):
                    assert {t["name"] for t in message["result"]["tools"]} == {"c_add", "c_context"}

    sent = 0
    for batch in range(BATCHES):
        before_init = batch == 0
        chunk = b"".join(hostile_line(rng, before_init) + b"\n" for _ in range(PER_BATCH))
        sent += PER_BATCH
        if before_init:  # then a real handshake, as a client would after its mistakes
            chunk += json.dumps(INIT).encode() + b"\n" + json.dumps(INITIALIZED).encode() + b"\n"
        chunk += json.dumps({"jsonrpc": "2.0", "id": f"ping{batch}", "method": "ping"}).encode() + b"\n"
        chunk += json.dumps({"jsonrpc": "2.0", "id": f"list{batch}", "method": "tools/list"}).encode() + b"\n"
        send(chunk)
        wait_for({f"ping{batch}", f"list{batch}"})
        assert not bad, bad[:3]
    assert sent >= 10_000
    proc.stdin.close()
    assert proc.wait(timeout=60) == 0
    assert not bad, bad[:3]
