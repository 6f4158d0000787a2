"""A third-party plugin runs in a sandboxed plugin-host child (issue 24): a
hostile C plugin tries, one tool each, to read a secret from the environment,
open the kubeconfig named on the server's command line, connect to the API
server's port, use descriptors inherited after a crash-restart under
`serve --http`, ptrace or signal its parent, write a file, run a program. Each is refused
or contained, through the built binary and the official MCP client. Drop-ins
run in-process only when the operator's policy file names them; plugins.d
entries are trust-checked; relative plugin directories are refused."""
import json
import os
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import anyio

from conftest import BINARY, ROOT, compile_c_plugin, in_process_policy, plugin_dir, plugins_list, run_cli
from http_support import ADMIN, http_server, http_session
from mcp_client import run, session

ESCAPE = ROOT / "Tests" / "CPlugins" / "sandbox_escape.c"
SECRET_NAME = "AWS_SECRET_ACCESS_KEY"
SECRET = "planted-sandbox-secret-1f2e3d"


def escape_dir(tmp_path) -> Path:
    d = plugin_dir(tmp_path)
    compile_c_plugin(ESCAPE, d / "libescape.so")
    return d


async def answer(s, tool, arguments=None) -> dict:
    r = await s.call_tool(tool, arguments or {})
    assert not r.is_error, r
    return r.structured_content


def test_a_drop_in_gets_no_secret_no_kubeconfig_no_network_no_parent(tmp_path, standalone_sim):
    d = escape_dir(tmp_path)
    api = urlparse(standalone_sim.url)
    errlog = tmp_path / "server.err"
    out = {}

    async def body():
        async with session("--no-default-plugins", "--plugins-dir", str(d), "--kubeconfig", str(standalone_sim.kubeconfig),
                           env={SECRET_NAME: SECRET, "KUBECONFIG": str(standalone_sim.kubeconfig)}, errlog=errlog) as s:
            out["environ"] = await answer(s, "escape_environ", {"needle": SECRET})
            out["kubeconfig"] = await answer(s, "escape_open", {"path": str(standalone_sim.kubeconfig)})
            out["passwd"] = await answer(s, "escape_open", {"path": "/etc/passwd"})
            out["own_dir"] = await answer(s, "escape_open", {"path": str(d / "libescape.so")})
            out["connect"] = await answer(s, "escape_connect", {"host": api.hostname, "port": api.port})
            out["fds"] = await answer(s, "escape_fds")
            out["ptrace"] = await answer(s, "escape_ptrace")
            out["signal"] = await answer(s, "escape_signal")
            out["write"] = await answer(s, "escape_write", {"path": str(tmp_path / "dropped")})
            out["exec"] = await answer(s, "escape_exec")
            # The host still answers after all of it.
            out["tools"] = [t.name for t in (await s.list_tools()).tools]
    run(body)
    # The secret is neither in its environment nor readable from the parent's.
    assert out["environ"]["getenv"] == "absent" and out["environ"]["self"] != "found", out
    assert out["environ"]["parent"] != "found", out
    # Files: its own directory reads; the kubeconfig and the rest of the system do not.
    assert out["own_dir"] == {"open": "ok"}
    assert out["kubeconfig"]["open"] != "ok" and out["passwd"]["open"] != "ok", out
    assert out["write"]["create"] != "ok" and not (tmp_path / "dropped").exists()
    # No socket of its own (TCP or UNIX), so nothing reaches the API server but through the host.
    assert out["connect"]["socket"] == "Operation not permitted" and "connect" not in out["connect"], out
    assert out["connect"]["unix_socket"] == "Operation not permitted"
    assert out["fds"] == {"open": [0, 1, 2, 3], "taken": []}
    assert out["ptrace"] == {"ptrace": "Operation not permitted", "process_vm_readv": "Operation not permitted"}
    assert out["signal"]["kill"] != "ok"
    assert out["exec"] == {"exec": "Permission denied"}, out  # Landlock grants no execute right
    assert "escape_fds" in out["tools"]
    # Every layer holds on this kernel: nothing said about one missing.
    assert "plugin sandbox:" not in errlog.read_text(), errlog.read_text()


def test_a_child_restarted_under_serve_http_inherits_none_of_the_servers_descriptors(tmp_path):
    d = escape_dir(tmp_path)
    with http_server(tmp_path, "--no-default-plugins", "--plugins-dir", str(d)) as server:
        async def body():
            # Another user's session is open while the plugin crashes and restarts.
            async with http_session(server.url, ADMIN) as other, http_session(server.url, ADMIN) as s:
                await other.list_tools()
                crashed = await s.call_tool("escape_crash", {})
                assert crashed.is_error and "crashed" in crashed.content[0].text
                for _ in range(100):
                    r = await s.call_tool("escape_fds", {})
                    if not r.is_error:
                        return r.structured_content
                    await anyio.sleep(0.05)
                raise AssertionError("the plugin never came back")
        fds = run(body)
    assert fds == {"open": [0, 1, 2, 3], "taken": []}
    assert "restarted in process" in server.stderr()


def test_doctor_says_which_sandbox_layers_hold():
    out = run_cli("doctor", "--sim", "--no-default-plugins").stdout
    for layer in ("descriptors", "environment", "limits", "no_new_privs", "landlock", "seccomp"):
        assert f"plugin sandbox {layer}:" in out, out


def test_a_drop_in_runs_in_process_only_when_the_operators_policy_names_it(tmp_path):
    d = escape_dir(tmp_path)
    (d / "escape.yaml").write_text("library: libescape.so\nisolation: in-process\n")
    listed, stderr = plugins_list(d)
    escape = [p for p in listed if p["path"].endswith("libescape.so")][0]
    assert escape["status"] == "refused" and "in_process_plugins: [libescape.so]" in escape["reason"], escape
    policy = in_process_policy(tmp_path, "libescape.so")
    listed, _ = plugins_list(d, env={**os.environ, "KFMCP_POLICY": str(policy)})
    escape = [p for p in listed if p["path"].endswith("libescape.so")][0]
    assert escape["status"] == "loaded" and escape["isolation"] == "in-process", escape


def test_a_world_writable_plugins_d_entry_is_refused(tmp_path):
    d = escape_dir(tmp_path)
    entry = d / "escape.yaml"
    entry.write_text("library: libescape.so\nisolation: in-process\nconfig: {x: 1}\n")
    entry.chmod(0o666)
    listed, stderr = plugins_list(d, env={**os.environ, "KFMCP_POLICY": str(in_process_policy(tmp_path, "libescape.so"))})
    refused = [p for p in listed if p["path"] == str(entry)][0]
    assert refused["status"] == "refused" and "writable by group or others" in refused["reason"], refused
    # The library itself still loads, sandboxed as every drop-in: the entry said nothing.
    escape = [p for p in listed if p["path"].endswith("libescape.so")][0]
    assert escape["status"] == "loaded" and escape["isolation"] == "process", escape
    assert escape["sandbox"] == ["descriptors", "environment", "limits", "no_new_privs", "landlock", "seccomp"]


def test_relative_plugin_directories_are_refused(tmp_path):
    d = escape_dir(tmp_path)
    # From inside the plugins directory, "." would be it: nothing loads from there.
    proc = subprocess.run([str(BINARY), "plugins", "list", "--json", "--no-default-plugins"], cwd=d,
                          env={**os.environ, "KFMCP_PLUGINS_PATH": "."}, capture_output=True, text=True, timeout=60)
    listed = json.loads(proc.stdout)
    assert not [p for p in listed if p.get("status") == "loaded"], listed
    assert "relative plugin directory '.' from KFMCP_PLUGINS_PATH is refused" in proc.stderr
