"""The MCP server end to end: built binary, real dlopen'd plugins (Swift and C),
official MCP Python client over stdio."""
import anyio
import mcp_types as types

from conftest import plugin_dir
from mcp_client import RawServer, run, session


def dirs(d):
    return ["--no-default-plugins", "--plugins-dir", str(d)]


def test_initialize_negotiates_latest_protocol(sample_and_c_plugins):
    async def body():
        async with session(*dirs(sample_and_c_plugins)) as s:
            assert s.init_result.protocol_version == "2025-11-25"
            assert s.init_result.server_info.name == "kubeflow-mcp"
            assert s.init_result.capabilities.tools is not None
            assert s.init_result.capabilities.logging is not None
    run(body)


def test_tools_from_swift_and_c_plugins_with_annotations(sample_and_c_plugins):
    async def body():
        async with session(*dirs(sample_and_c_plugins)) as s:
            tools = {t.name: t for t in (await s.list_tools()).tools}
            assert {"sample_echo", "sample_countdown", "sample_config", "c_add", "c_context"} <= set(tools)
            add = tools["c_add"]
            assert add.annotations.read_only_hint is True
            assert add.annotations.idempotent_hint is True
            assert add.annotations.destructive_hint is False
            assert add.output_schema["properties"]["sum"]["type"] == "number"
            assert add.input_schema["required"] == ["a", "b"]
            assert tools["c_context"].annotations.idempotent_hint is True  # read-only ⇒ idempotent
            assert tools["sample_echo"].meta["kubeflow-mcp/category"] == "discovery"
            assert tools["sample_echo"].meta["kubeflow-mcp/risk"] == "read_only"
    run(body)


def test_call_returns_structured_results(sample_and_c_plugins):
    async def body():
        async with session(*dirs(sample_and_c_plugins)) as s:
            r = await s.call_tool("c_add", {"a": 2, "b": 40.5})
            assert not r.is_error
            assert r.structured_content == {"sum": 42.5}
            r = await s.call_tool("sample_echo", {"text": "grüße"})
            assert r.structured_content == {"text": "grüße", "length": 5}
            r = await s.call_tool("c_context", {})
            assert r.structured_content["namespace"] == "default"
            assert r.structured_content["tool"] == "c_context"
    run(body)


def test_missing_and_mistyped_arguments_name_the_field(sample_and_c_plugins):
    async def body():
        async with session(*dirs(sample_and_c_plugins)) as s:
            r = await s.call_tool("c_add", {"a": 1})
            assert r.is_error and "'b'" in r.content[0].text and "missing" in r.content[0].text
            r = await s.call_tool("c_add", {"a": 1, "b": "two"})
            assert r.is_error and "'b'" in r.content[0].text and "number" in r.content[0].text
            r = await s.call_tool("sample_countdown", {"steps": 0})
            assert r.is_error and "'steps'" in r.content[0].text
            r = await s.call_tool("c_add", {"a": 1, "b": 2, "c": 3})
            assert r.is_error and "unknown argument 'c'" in r.content[0].text
    run(body)


def test_unknown_tool_is_an_error(sample_and_c_plugins):
    async def body():
        async with session(*dirs(sample_and_c_plugins)) as s:
            r = await s.call_tool("no_such_tool", {})
            assert r.is_error and "Unknown tool 'no_such_tool'" in r.content[0].text
    run(body)


def test_progress_notifications_reach_the_client(sample_and_c_plugins):
    async def body():
        seen = []

        async def on_progress(progress, total, message):
            seen.append((progress, total, message))

        async with session(*dirs(sample_and_c_plugins)) as s:
            r = await s.call_tool("sample_countdown", {"steps": 4, "step_ms": 1}, progress_callback=on_progress)
            assert r.structured_content == {"completed": 4, "cancelled": False}
        assert [m for _, _, m in seen] == ["step 1/4", "step 2/4", "step 3/4", "step 4/4"]
        assert seen[-1][0] == seen[-1][1] == 100
    run(body)


def test_log_notifications_after_set_level(sample_and_c_plugins):
    async def body():
        logs = []

        async def on_log(params):
            logs.append(params)

        async with session(*dirs(sample_and_c_plugins), logging_callback=on_log) as s:
            await s.set_logging_level("info")
            await s.call_tool("c_context", {})
            with anyio.fail_after(10):
                while not any("c_context called" in str(p.data) for p in logs):
                    await anyio.sleep(0.01)
        assert any(p.level == "info" for p in logs)
    run(body)


def test_malformed_line_gets_parse_error_and_serving_goes_on(sample_and_c_plugins):
    server = RawServer(*dirs(sample_and_c_plugins))
    server.initialize()
    server.send("{this is not json")
    error = server.read()
    assert error["id"] is None and error["error"]["code"] == -32700
    server.send({"jsonrpc": "2.0", "id": 5, "method": "tools/call",
                 "params": {"name": "sample_echo", "arguments": {"text": "still here"}}})
    response, _ = server.read_until_id(5)
    assert response["result"]["structuredContent"]["text"] == "still here"
    _, _, code = server.close()
    assert code == 0


def test_slow_call_does_not_block_a_fast_one(sample_and_c_plugins):
    server = RawServer(*dirs(sample_and_c_plugins))
    server.initialize()
    server.send({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                 "params": {"name": "sample_countdown", "arguments": {"steps": 200, "step_ms": 10}}})
    server.send({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                 "params": {"name": "sample_echo", "arguments": {"text": "fast"}}})
    first = server.read()
    assert first["id"] == 2, "the fast call must be answered while the slow one runs"
    second, _ = server.read_until_id(1)
    assert second["result"]["structuredContent"]["completed"] == 200
    server.close()


def test_reading_goes_on_when_every_tool_thread_is_busy(sample_and_c_plugins):
    # The thread that reads a call runs it and hands the reading on (HandOver); with the one tool
    # thread taken, the next call must wait in the queue while the reader keeps reading and answering.
    server = RawServer(*dirs(sample_and_c_plugins), env={"KFMCP_MAX_TOOL_THREADS": "1"})
    server.initialize()
    server.send({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                 "params": {"name": "sample_countdown", "arguments": {"steps": 50, "step_ms": 10}}})
    server.send({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                 "params": {"name": "sample_echo", "arguments": {"text": "queued"}}})
    server.send({"jsonrpc": "2.0", "id": 3, "method": "ping"})
    assert server.read() == {"jsonrpc": "2.0", "id": 3, "result": {}}, "ping waits for nothing"
    first, _ = server.read_until_id(1)
    assert first["result"]["structuredContent"]["completed"] == 50
    second, _ = server.read_until_id(2)
    assert second["result"]["structuredContent"]["text"] == "queued"
    messages, stderr, code = server.close()
    assert code == 0, stderr


def test_cancelled_call_stops(sample_and_c_plugins):
    server = RawServer("--log-level", "info", *dirs(sample_and_c_plugins))
    server.initialize()
    server.send({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                 "params": {"name": "sample_countdown", "arguments": {"steps": 5000, "step_ms": 10},
                            "_meta": {"progressToken": "t7"}}})
    progress = server.read()
    assert progress["method"] == "notifications/progress"
    server.send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 7, "reason": "test"}})
    server.send({"jsonrpc": "2.0", "id": 8, "method": "ping"})
    pong, _ = server.read_until_id(8)
    assert pong["result"] == {}
    messages, stderr, code = server.close()
    assert code == 0
    assert not any(m.get("id") == 7 for m in messages), "a cancelled request gets no response"
    assert "sample_countdown cancelled at step" in stderr


def test_eof_answers_every_request_in_flight_then_exits_zero(sample_and_c_plugins):
    server = RawServer(*dirs(sample_and_c_plugins))
    server.initialize()
    for i in range(1, 6):
        server.send({"jsonrpc": "2.0", "id": i, "method": "tools/call",
                     "params": {"name": "sample_countdown", "arguments": {"steps": 20, "step_ms": 5}}})
    messages, stderr, code = server.close()
    assert code == 0, stderr
    answered = {m["id"] for m in messages if "result" in m}
    assert answered == {1, 2, 3, 4, 5}
    assert all(m["result"]["structuredContent"]["completed"] == 20 for m in messages if "result" in m)


def test_stdout_carries_only_json_rpc(sample_and_c_plugins):
    server = RawServer("--log-level", "debug", *dirs(sample_and_c_plugins))
    server.initialize()
    server.send({"jsonrpc": "2.0", "id": 3, "method": "tools/list"})
    server.send({"jsonrpc": "2.0", "id": 4, "method": "tools/call",
                 "params": {"name": "c_context", "arguments": {}}})
    messages, stderr, code = server.close()
    assert code == 0
    assert all(m.get("jsonrpc") == "2.0" for m in messages)
    assert "loaded plugin hello-c" in stderr  # logs went to stderr


def test_many_concurrent_calls_each_get_their_answer(sample_and_c_plugins):
    async def body():
        async with session(*dirs(sample_and_c_plugins)) as s:
            results = {}

            async def one(i):
                r = await s.call_tool("c_add", {"a": i, "b": 1000})
                results[i] = r.structured_content["sum"]

            async with anyio.create_task_group() as tg:
                for i in range(100):
                    tg.start_soon(one, i)
            assert results == {i: i + 1000 for i in range(100)}
    run(body)


def test_protocol_rules_hold_before_and_after_initialize(sample_and_c_plugins):
    server = RawServer("--max-line-bytes", "4096", *dirs(sample_and_c_plugins))
    server.send({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    early = server.read()
    assert early["id"] == 1 and early["error"]["code"] == -32600 and "initialize" in early["error"]["message"]
    server.send({"jsonrpc": "2.0", "id": 2, "method": "ping"})
    assert server.read() == {"jsonrpc": "2.0", "id": 2, "result": {}}
    server.initialize()
    for bad_id in ["1.5", "true", "null", '{"a":1}', "9223372036854775808", "1e2"]:
        server.send('{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":"sample_echo","arguments":{"text":"x"}}}' % bad_id)
        reply = server.read()
        assert reply["id"] is None and reply["error"]["code"] == -32600, (bad_id, reply)
    server.send('[{"jsonrpc":"2.0","id":3,"method":"ping"},{"jsonrpc":"2.0","id":4,"method":"ping"}]')
    batch = server.read()
    assert batch["id"] is None and batch["error"]["code"] == -32600 and "batch" in batch["error"]["message"]
    server.send('{"jsonrpc":"2.0","id":5,"method":5}')
    assert server.read()["error"]["code"] == -32600
    server.send('{"jsonrpc":"2.0","id":6,"method":"ping","params":{"pad":"' + "x" * 20000 + '"}}')
    long_line = server.read()
    assert long_line["id"] is None and "longer than 4096 bytes" in long_line["error"]["message"]
    server.send({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                 "params": {"name": "sample_echo", "arguments": {"text": "after all that"}}})
    response, before = server.read_until_id(7)
    assert response["result"]["structuredContent"]["text"] == "after all that" and before == []
    messages, stderr, code = server.close(timeout=30)
    assert code == 0 and messages == [], stderr


def test_one_engine_answers_the_protocol_methods(sample_and_c_plugins):
    """initialize, ping, logging/setLevel and unknown methods, all answered by the host's own layer."""
    server = RawServer(*dirs(sample_and_c_plugins))
    server.send({**INIT_OLD, "id": "init"})
    init, _ = server.read_until_id("init")
    result = init["result"]
    # A version we speak is kept; capabilities, serverInfo and the plugins' instructions are there.
    assert result["protocolVersion"] == "2025-03-26"
    # No loaded plugin declares prompts, completions or watched templates: only the host's policy resource.
    assert result["capabilities"] == {"logging": {}, "tools": {"listChanged": True},
                                      "resources": {"listChanged": False, "subscribe": False}}
    assert result["serverInfo"]["name"] == "kubeflow-mcp" and result["serverInfo"]["version"]
    assert result["instructions"].startswith("Tools return data and actions")
    server.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    server.send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": INIT_OLD["params"]})
    assert server.read_until_id(1)[0]["error"]["code"] == -32600
    server.send({"jsonrpc": "2.0", "id": 2, "method": "prompts/list_everything"})
    assert server.read_until_id(2)[0]["error"]["code"] == -32601
    server.send({"jsonrpc": "2.0", "id": 3, "method": "logging/setLevel", "params": {"level": "loud"}})
    assert server.read_until_id(3)[0]["error"]["code"] == -32602
    server.send({"jsonrpc": "2.0", "id": 4, "method": "logging/setLevel", "params": {"level": "error"}})
    assert server.read_until_id(4)[0]["result"] == {}
    # A response to a request the server never sent is ignored; serving goes on.
    server.send({"jsonrpc": "2.0", "id": "kfmcp-99", "result": {"action": "accept"}})
    server.send({"jsonrpc": "2.0", "id": 5, "method": "ping"})
    response, before = server.read_until_id(5)
    assert response["result"] == {} and before == []
    messages, stderr, code = server.close(timeout=30)
    assert code == 0 and messages == [], stderr


def test_an_unknown_protocol_version_gets_the_newest(sample_and_c_plugins):
    server = RawServer(*dirs(sample_and_c_plugins))
    server.send({**INIT_OLD, "params": {**INIT_OLD["params"], "protocolVersion": "1999-01-01"}})
    assert server.read_until_id(0)[0]["result"]["protocolVersion"] == "2025-11-25"
    server.close(timeout=30)


INIT_OLD = {"jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {"protocolVersion": "2025-03-26", "capabilities": {}, "clientInfo": {"name": "raw-test", "version": "1"}}}
