"""Upgrades without outages: a plugin file replaced while `serve` runs, under
load (clients calling its tool in a loop), then SIGHUP. The server runs plugins
from private copies, so the new file changes nothing until the reload; the
reload swaps a child-run plugin between calls (no call fails), tells every
session `notifications/tools/list_changed`, keeps the old version when the new
one is refused, and leaves in-process code alone until a restart."""
import os
import signal
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import pytest

from conftest import ROOT, compile_c_plugin, in_process_policy, plugin_dir
from http_support import http_server, http_session
from mcp_client import run, session

SOURCE = ROOT / "Tests" / "CPlugins" / "versioned_plugin.c"
LIBRARY = "libversioned.so"


def build(tmp_path: Path, name: str, *defines: str) -> Path:
    builds = tmp_path / "builds"
    builds.mkdir(exist_ok=True)
    return compile_c_plugin(SOURCE, builds / name, "DELAY_MS=20", *defines)


def plugins_with_v1(tmp_path: Path) -> Path:
    d = plugin_dir(tmp_path)
    compile_c_plugin(SOURCE, d / LIBRARY, "DELAY_MS=20")
    return d


def overwrite(new: Path, target: Path):
    """What `cp new.so plugins/x.so` does: the same file (inode) rewritten in place,
    under any process that maps it."""
    data = new.read_bytes()
    with open(target, "r+b") as f:
        f.truncate(0)
        f.write(data)


def serve_pid(plugins: Path) -> int:
    """The `kubeflow-mcp serve` of this test (a stdio client does not expose its process)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if len(args) > 1 and args[1] == b"serve" and str(plugins).encode() in args:
            return int(entry.name)
    raise AssertionError(f"no serve process with {plugins}")


class Load:
    """Clients calling versioned_echo in a loop; every answer or failure recorded."""

    def __init__(self, s, callers=3):
        self.s, self.callers = s, callers
        self.versions, self.failures, self.stopped = [], [], False

    async def loop(self):
        while not self.stopped:
            r = await self.s.call_tool("versioned_echo", {})
            if r.is_error:
                self.failures.append(r.content[0].text)
            else:
                self.versions.append(r.structured_content["version"])

    async def until(self, predicate, seconds=60):
        with anyio.fail_after(seconds):
            while not predicate():
                await anyio.sleep(0.02)

    async def more(self, n=10):
        start = len(self.versions) + len(self.failures)
        await self.until(lambda: len(self.versions) + len(self.failures) >= start + n)


@asynccontextmanager
async def under_load(s):
    """Clients calling in a loop for the whole block, which starts and ends with a few answers."""
    load = Load(s)
    async with anyio.create_task_group() as tg:
        for _ in range(load.callers):
            tg.start_soon(load.loop)
        await load.more()
        yield load
        await load.more()
        load.stopped = True
    assert load.failures == [], load.failures


def list_changed_recorder():
    seen = []

    async def on_message(message):
        if getattr(message, "method", None) == "notifications/tools/list_changed":
            seen.append(message)
    return seen, on_message


async def swap_under_load(s, pid, plugins, new_build, notes):
    async with under_load(s) as load:
        overwrite(new_build, plugins / LIBRARY)
        await load.more()
        assert set(load.versions) == {"1"}, "the file on disk changed the code under the server before any reload"
        os.kill(pid, signal.SIGHUP)
        await load.until(lambda: "2" in load.versions)
    assert load.versions[-1] == "2"
    await load.until(lambda: notes)
    names = [t.name for t in (await s.list_tools()).tools]
    assert "versioned_extra" in names and "versioned_echo" in names
    extra = await s.call_tool("versioned_extra", {})
    assert not extra.is_error and extra.structured_content == {"extra": True}


def test_a_child_run_plugin_is_swapped_under_load_over_stdio(tmp_path):
    plugins = plugins_with_v1(tmp_path)
    v2 = build(tmp_path, "v2.so", 'VERSION="2"', "EXTRA_TOOL")
    notes, on_message = list_changed_recorder()

    async def body():
        async with session("--no-default-plugins", "--plugins-dir", str(plugins), "--sim", message_handler=on_message) as s:
            assert s.init_result.capabilities.tools.list_changed is True
            await swap_under_load(s, serve_pid(plugins), plugins, v2, notes)
    run(body)


def test_a_child_run_plugin_is_swapped_under_load_over_http_and_every_session_hears_it(tmp_path):
    plugins = plugins_with_v1(tmp_path)
    v2 = build(tmp_path, "v2.so", 'VERSION="2"', "EXTRA_TOOL")
    notes, on_message = list_changed_recorder()
    idle_notes, on_idle_message = list_changed_recorder()

    async def body():
        with http_server(tmp_path, "--no-default-plugins", "--plugins-dir", str(plugins)) as server:
            async with http_session(server.url, None, message_handler=on_message) as s, \
                    http_session(server.url, None, message_handler=on_idle_message) as idle:
                await idle.list_tools()
                await swap_under_load(s, server.proc.pid, plugins, v2, notes)
                with anyio.fail_after(30):
                    while not idle_notes:
                        await anyio.sleep(0.02)
                assert "versioned_extra" in [t.name for t in (await idle.list_tools()).tools]
            assert "plugins reloaded: added versioned_extra; new version of versioned_echo" in server.stderr()
    run(body)


@pytest.mark.parametrize("why", ["manifest", "trust"])
def test_a_refused_new_version_keeps_the_old_one_running(tmp_path, why):
    plugins = plugins_with_v1(tmp_path)
    # A manifest the host refuses (a tool without a risk), or a good build in a file others may write.
    broken = build(tmp_path, "broken.so", 'VERSION="3"', "BROKEN" if why == "manifest" else "EXTRA_TOOL")
    errlog = tmp_path / "server.err"

    async def body():
        async with session("--no-default-plugins", "--plugins-dir", str(plugins), "--sim", "--log-level", "info",
                           errlog=errlog) as s:
            async with under_load(s) as load:
                overwrite(broken, plugins / LIBRARY)
                if why == "trust":
                    (plugins / LIBRARY).chmod(0o775)
                os.kill(serve_pid(plugins), signal.SIGHUP)
                await load.until(lambda: "the new version is refused" in errlog.read_text())
            assert set(load.versions) == {"1"}
            assert [t.name for t in (await s.list_tools()).tools] == ["versioned_echo"]
        log = errlog.read_text()
        assert "version 1.0.0 keeps running" in log
        assert ("risk" if why == "manifest" else "is writable by group or others") in log
    run(body)


def test_an_in_process_plugin_replaced_on_disk_keeps_running_and_waits_for_restart(tmp_path):
    plugins = plugins_with_v1(tmp_path)
    (plugins / "versioned.yaml").write_text(f"library: {LIBRARY}\nisolation: in-process\n")
    policy = in_process_policy(tmp_path, LIBRARY)
    v2 = build(tmp_path, "v2.so", 'VERSION="2"', "EXTRA_TOOL")
    errlog = tmp_path / "server.err"
    notes, on_message = list_changed_recorder()

    async def body():
        async with session("--no-default-plugins", "--plugins-dir", str(plugins), "--sim", "--policy", str(policy),
                           errlog=errlog, message_handler=on_message) as s:
            async with under_load(s) as load:
                # Without the private copy, rewriting the mapped file crashes the server here.
                overwrite(v2, plugins / LIBRARY)
                await load.more()
                os.kill(serve_pid(plugins), signal.SIGHUP)
                await load.until(lambda: "replaced at restart only" in errlog.read_text())
            assert set(load.versions) == {"1"}
            assert [t.name for t in (await s.list_tools()).tools] == ["versioned_echo"]
            assert notes == []
        assert "plugin versioned" in errlog.read_text() and "restart the server to load it" in errlog.read_text()
    run(body)


def test_the_private_copies_are_private_and_removed_at_exit(tmp_path):
    plugins = plugins_with_v1(tmp_path)
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()

    async def body():
        async with session("--no-default-plugins", "--plugins-dir", str(plugins), "--sim", env={"TMPDIR": str(tmp)}) as s:
            await s.call_tool("versioned_echo", {})
            (copies,) = list(tmp.glob("kubeflow-mcp-plugins.*"))
            assert copies.stat().st_mode & 0o777 == 0o700
            assert [p.name for p in copies.rglob("*.so")] == [LIBRARY]
    run(body)
    assert list(tmp.glob("kubeflow-mcp-plugins.*")) == []


def test_a_removed_plugin_file_takes_its_tools_away_and_repeated_hangups_lose_no_call(tmp_path):
    plugins = plugins_with_v1(tmp_path)
    other = plugin_dir(tmp_path, "other")
    compile_c_plugin(ROOT / "examples" / "c-plugin" / "hello_c.c", other / "libhello_c.so")
    notes, on_message = list_changed_recorder()

    async def body():
        async with session("--no-default-plugins", "--plugins-dir", str(plugins), "--plugins-dir", str(other), "--sim",
                           message_handler=on_message) as s:
            pid = serve_pid(plugins)
            async with under_load(s) as load:
                for _ in range(5):  # a storm of reloads with nothing changed: calls go on, nobody is told
                    os.kill(pid, signal.SIGHUP)
                    await load.more(3)
            assert set(load.versions) == {"1"} and notes == []
            (other / "libhello_c.so").unlink()
            os.kill(pid, signal.SIGHUP)
            with anyio.fail_after(30):
                while not notes:
                    await anyio.sleep(0.02)
            assert [t.name for t in (await s.list_tools()).tools] == ["versioned_echo"]
            gone = await s.call_tool("c_add", {"a": 1, "b": 2})
            assert gone.is_error
    run(body)


def test_without_a_writable_tmpdir_plugins_run_from_their_own_files_and_the_log_says_so(tmp_path, standalone_sim):
    # A read-only root filesystem (the Deployment's readOnlyRootFilesystem) without a writable TMPDIR:
    # no copy can be made, and no plugin is lost for it. (The cluster is a simulator of its own:
    # the embedded one needs a TMPDIR.)
    plugins = plugins_with_v1(tmp_path)
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    errlog = tmp_path / "server.err"

    async def body():
        async with session("--no-default-plugins", "--plugins-dir", str(plugins), "--kubeconfig",
                           str(standalone_sim.kubeconfig), errlog=errlog, env={"TMPDIR": str(not_a_directory)}) as s:
            r = await s.call_tool("versioned_echo", {})
            assert not r.is_error and r.structured_content == {"version": "1"}
    run(body)
    assert "plugins run from their own files, not private copies" in errlog.read_text()
