"""A bad plugin never takes the host down (issue 12): a hostile C plugin,
compiled here, crashes, aborts, exits, spins, prints on stdout and answers
garbage. For each: the host keeps serving, the error names the plugin and the
tool, other tools answer, and stdout carries nothing but JSON-RPC."""
import json
import os
import time
from pathlib import Path

import pytest

from conftest import ROOT, compile_c_plugin, in_process_policy, plugin_dir, plugins_list, run_cli
from mcp_client import RawServer

HOSTILE = ROOT / "Tests" / "CPlugins" / "hostile_plugin.c"
HELLO = ROOT / "examples" / "c-plugin" / "hello_c.c"


def hostile_dir(tmp_path, *defines, isolation=None) -> Path:
    d = plugin_dir(tmp_path)
    compile_c_plugin(HOSTILE, d / "libhostile.so", *defines)
    compile_c_plugin(HELLO, d / "libhello_c.so")
    if isolation:
        (d / "hostile.yaml").write_text(f"library: libhostile.so\nisolation: {isolation}\n")
    return d


class Session(RawServer):
    """A raw session that numbers its requests and checks every line is JSON-RPC."""

    def __init__(self, d, *args):
        super().__init__("--no-default-plugins", "--plugins-dir", str(d), *args)
        self.next_id = 1
        self.initialize()

    def call(self, tool, arguments=None) -> dict:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": "tools/call",
                   "params": {"name": tool, "arguments": arguments or {}}})
        response, before = self.read_until_id(self.next_id)
        assert all(m.get("jsonrpc") == "2.0" and m.get("id") != 424242 for m in [response, *before])
        return response["result"]

    def call_until_ok(self, tool, tries=200) -> dict:
        """A restarted plugin answers again once its backoff has passed."""
        for _ in range(tries):
            result = self.call(tool)
            if not result["isError"]:
                return result
            assert "restart" in result["content"][0]["text"], result
            time.sleep(0.05)
        raise AssertionError(f"{tool} never answered again")

    def finish(self) -> str:
        messages, stderr, code = self.close()
        assert code == 0, stderr
        assert all(m.get("jsonrpc") == "2.0" and m.get("id") != 424242 for m in messages)
        return stderr


def error_text(result) -> str:
    assert result["isError"] is True, result
    return result["content"][0]["text"]


@pytest.mark.parametrize("tool,how", [("hostile_segfault", "SIGSEGV"), ("hostile_abort", "SIGABRT"),
                                      ("hostile_exit", "exited with status 3")])
def test_a_crashing_tool_fails_alone_and_its_plugin_comes_back(tmp_path, tool, how):
    s = Session(hostile_dir(tmp_path))
    text = error_text(s.call(tool))
    assert "'hostile'" in text and f"'{tool}'" in text and how in text
    assert s.call("c_add", {"a": 1, "b": 2})["structuredContent"] == {"sum": 3}
    assert s.call_until_ok("hostile_ok")["structuredContent"] == {"ok": True}
    stderr = s.finish()
    assert "hostile" in stderr and tool in stderr


def test_a_tool_that_never_returns_meets_its_deadline(tmp_path):
    s = Session(hostile_dir(tmp_path), "--call-timeout", "1")
    text = error_text(s.call("hostile_loop"))
    assert "'hostile_loop'" in text and "'hostile'" in text and "deadline" in text
    assert s.call("c_add", {"a": 2, "b": 2})["structuredContent"] == {"sum": 4}
    assert s.call_until_ok("hostile_ok")["structuredContent"] == {"ok": True}
    s.finish()


def test_eof_with_a_call_that_never_returns_answers_it_and_exits_zero(tmp_path):
    s = Session(hostile_dir(tmp_path), "--exit-grace", "0.5")
    s.send({"jsonrpc": "2.0", "id": 99, "method": "tools/call", "params": {"name": "hostile_loop", "arguments": {}}})
    messages, stderr, code = s.close(timeout=30)
    assert code == 0, stderr
    answer = [m for m in messages if m.get("id") == 99]
    assert len(answer) == 1 and answer[0]["result"]["isError"]
    assert "'hostile_loop'" in answer[0]["result"]["content"][0]["text"]


@pytest.mark.parametrize("isolation", ["process", "in-process"])
def test_nothing_a_plugin_prints_reaches_the_client(tmp_path, isolation):
    policy = ["--policy", str(in_process_policy(tmp_path, "libhostile.so"))] if isolation == "in-process" else []
    s = Session(hostile_dir(tmp_path, isolation=isolation), *policy)
    assert s.call("hostile_stdout")["structuredContent"] == {"ok": True}
    assert s.call("c_add", {"a": 1, "b": 1})["structuredContent"] == {"sum": 2}
    stderr = s.finish()  # every stdout line parsed as JSON-RPC, none forged
    assert '"id":424242' in stderr  # what it printed went to the log
    if isolation == "process":  # a child's output reaches stderr through the host's redactor, line by line
        assert "hf_PrintedByAPluginChild" not in stderr and "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj" not in stderr
        assert "[REDACTED]" in stderr


def test_a_result_without_its_wrapper_is_an_error(tmp_path):
    s = Session(hostile_dir(tmp_path))
    text = error_text(s.call("hostile_malformed"))
    assert "'hostile'" in text and "'hostile_malformed'" in text and "neither" in text
    s.finish()


def test_a_result_that_breaks_its_output_schema_is_an_error(tmp_path):
    s = Session(hostile_dir(tmp_path))
    text = error_text(s.call("hostile_schema"))
    assert "'hostile'" in text and "'hostile_schema'" in text and "output schema" in text and "count" in text
    s.finish()


def test_a_crash_in_the_entry_function_is_a_refusal(tmp_path):
    d = hostile_dir(tmp_path, "HOSTILE_ENTRY_SEGFAULT")
    records, _ = plugins_list(d)
    hostile = next(r for r in records if r["path"].endswith("libhostile.so"))
    assert hostile["status"] == "refused"
    assert "SIGSEGV" in hostile["reason"] and "entry function" in hostile["reason"]
    s = Session(d)
    assert s.call("c_add", {"a": 1, "b": 2})["structuredContent"] == {"sum": 3}
    s.finish()


def test_a_drop_in_cannot_take_a_first_party_tool(tmp_path):
    d = hostile_dir(tmp_path, "HOSTILE_DUPLICATE")
    out = run_cli("plugins", "list", "--json", "--plugins-dir", str(d)).stdout
    records = json.loads(out)
    hostile = next(r for r in records if r["path"].endswith("libhostile.so"))
    trainer = next(r for r in records if r.get("id") == "trainer")
    assert hostile["status"] == "loaded" and hostile["isolation"] == "process"
    assert "list_training_jobs" not in hostile["tools"] and "hostile_ok" in hostile["tools"]
    assert "duplicate tool name 'list_training_jobs'" in hostile["reason"]
    assert "'trainer'" in hostile["reason"] and "'hostile'" in hostile["reason"]
    assert trainer["status"] == "loaded" and "list_training_jobs" in trainer["tools"]
    assert trainer["isolation"] == "in-process"
    tools = json.loads(run_cli("tools", "list", "--json", "--plugins-dir", str(d)).stdout)
    owner = {t["name"]: t["plugin"] for t in tools}
    assert owner["list_training_jobs"] == "trainer" and owner["hostile_ok"] == "hostile"


def test_a_plugin_under_a_world_writable_parent_is_refused(tmp_path):
    open_dir = tmp_path / "open"
    open_dir.mkdir()
    inner = plugin_dir(open_dir, "inner")
    compile_c_plugin(HELLO, inner / "libhello_c.so")
    open_dir.chmod(0o777)
    try:
        records, _ = plugins_list(inner)
    finally:
        open_dir.chmod(0o755)
    assert records[0]["status"] == "refused"
    assert f"directory {open_dir}" in records[0]["reason"] and "writable by group or others" in records[0]["reason"]


def test_a_symlink_in_a_world_writable_directory_is_refused(tmp_path):
    good = plugin_dir(tmp_path, "good")
    compile_c_plugin(HELLO, good / "libhello_c.so")
    links = plugin_dir(tmp_path, "links")
    (links / "libhello_c.so").symlink_to(good / "libhello_c.so")
    links.chmod(0o777)
    try:
        records, _ = plugins_list(links)
    finally:
        links.chmod(0o755)
    assert records[0]["status"] == "refused" and str(links) in records[0]["reason"]


def test_sticky_root_owned_tmp_is_trusted(tmp_path):
    # pytest's tmp_path lives under /tmp (1777, root): sticky, so allowed.
    assert os.stat("/tmp").st_mode & 0o1000
    d = plugin_dir(tmp_path)
    compile_c_plugin(HELLO, d / "libhello_c.so")
    records, _ = plugins_list(d)
    assert records[0]["status"] == "loaded"
