"""Plugin discovery and every refusal, through the built binary's `plugins list --json`
and a live MCP session that must keep serving the good plugins."""
import os
import shutil
from pathlib import Path

import pytest

from conftest import BUILD, HOST_ABI, ROOT, compile_c_plugin, in_process_policy, plugin_dir, plugins_list, run_cli
from mcp_client import run, session

BROKEN = ROOT / "Tests" / "CPlugins" / "broken_plugin.c"
HELLO = ROOT / "examples" / "c-plugin" / "hello_c.c"

REFUSALS = {
    "NO_ENTRY": "no kfmcp_plugin_entry_v1 symbol",
    "ABI_MAJOR": f"plugin built for ABI 2.0; this host speaks {HOST_ABI}",
    "ENTRY_V2": f"plugin built for ABI 2.x; this host speaks {HOST_ABI}",
    "STRUCT_SIZE": "manifest struct_size is 8 bytes, smaller than ABI 1.0's",
    "TOOL_NAME": "invalid tool name 'Bad-Name!'",
    "SCHEMA": "invalid input schema",
    "RISK": "unknown risk 9",
    "NULL_ENTRY": "entry function returned NULL",
}


def find(records, filename):
    matches = [r for r in records if Path(r["path"]).name == filename]
    assert matches, f"{filename} not in plugins list: {[r['path'] for r in records]}"
    return matches[0]


@pytest.mark.parametrize("kind", sorted(REFUSALS))
def test_each_broken_plugin_is_refused_with_its_reason(tmp_path, kind):
    d = plugin_dir(tmp_path)
    compile_c_plugin(BROKEN, d / f"broken_{kind}.so", f"BROKEN_{kind}", f'PLUGIN_ID="broken-{kind.lower().replace("_", "-")}"')
    compile_c_plugin(HELLO, d / "libhello_c.so")
    records, stderr = plugins_list(d)
    record = find(records, f"broken_{kind}.so")
    assert record["status"] == "refused"
    assert REFUSALS[kind] in record["reason"]
    refused_lines = [l for l in stderr.splitlines() if "refused plugin" in l]
    assert len(refused_lines) == 1 and REFUSALS[kind] in refused_lines[0]
    assert find(records, "libhello_c.so")["status"] == "loaded"

    async def still_serving():
        async with session("--no-default-plugins", "--plugins-dir", str(d)) as s:
            names = {t.name for t in (await s.list_tools()).tools}
            assert names == {"c_add", "c_context"}
            assert (await s.call_tool("c_add", {"a": 1, "b": 2})).structured_content == {"sum": 3}
    run(still_serving)


def test_duplicate_tool_name_names_both_plugins(tmp_path):
    first, second = plugin_dir(tmp_path, "first"), plugin_dir(tmp_path, "second")
    shutil.copy(BUILD / "libkfmcp-sample.so", first / "libkfmcp-sample.so")
    compile_c_plugin(BROKEN, second / "dup.so", "BROKEN_DUPLICATE", 'PLUGIN_ID="dup"')
    records, _ = plugins_list(first, second)
    dup = find(records, "dup.so")
    assert dup["status"] == "refused"
    assert "duplicate tool name 'sample_echo'" in dup["reason"]
    assert "'dup'" in dup["reason"] and "'sample'" in dup["reason"]
    assert find(records, "libkfmcp-sample.so")["status"] == "loaded"


def test_group_writable_plugin_file_is_refused(tmp_path):
    d = plugin_dir(tmp_path)
    plugin = compile_c_plugin(HELLO, d / "libhello_c.so")
    plugin.chmod(0o775)
    records, _ = plugins_list(d)
    record = find(records, "libhello_c.so")
    assert record["status"] == "refused" and "writable by group or others" in record["reason"]


def test_world_writable_plugin_directory_is_refused(tmp_path):
    d = plugin_dir(tmp_path)
    compile_c_plugin(HELLO, d / "libhello_c.so")
    d.chmod(0o777)
    try:
        records, _ = plugins_list(d)
    finally:
        d.chmod(0o755)
    record = find(records, "libhello_c.so")
    assert record["status"] == "refused" and "plugin directory" in record["reason"]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a file to another user")
def test_plugin_owned_by_another_user_is_refused(tmp_path):
    d = plugin_dir(tmp_path)
    plugin = compile_c_plugin(HELLO, d / "libhello_c.so")
    os.chown(plugin, 4242, 4242)
    records, _ = plugins_list(d)
    record = find(records, "libhello_c.so")
    assert record["status"] == "refused" and "owned by uid 4242" in record["reason"]


def test_same_file_reached_twice_loads_once(tmp_path):
    d, other = plugin_dir(tmp_path), plugin_dir(tmp_path, "other")
    compile_c_plugin(HELLO, d / "libhello_c.so")
    (other / "alias.so").symlink_to(d / "libhello_c.so")
    records, stderr = plugins_list(d, other, d)
    assert [r["status"] for r in records] == ["loaded"]
    assert "duplicate" not in stderr


def test_search_path_order_and_env(tmp_path):
    d = plugin_dir(tmp_path)
    compile_c_plugin(HELLO, d / "libhello_c.so")
    env = {**os.environ, "KFMCP_PLUGINS_PATH": f"/nonexistent:{d}"}
    records, _ = plugins_list(env=env)
    assert find(records, "libhello_c.so")["origin"].startswith("KFMCP_PLUGINS_PATH")


def test_yaml_entry_passes_config_and_can_disable(tmp_path):
    libs, conf = plugin_dir(tmp_path, "libs"), plugin_dir(tmp_path, "conf")
    shutil.copy(BUILD / "libkfmcp-sample.so", libs / "libkfmcp-sample.so")
    compile_c_plugin(HELLO, libs / "libhello_c.so")
    (conf / "sample.yaml").write_text(
        f"library: {libs}/libkfmcp-sample.so\nconfig:\n  greeting: hallo\n  retries: 3\n")
    (conf / "hello.yaml").write_text("library: libhello_c.so\nenabled: false\n")
    records, _ = plugins_list(conf, libs)
    assert find(records, "libhello_c.so")["status"] == "disabled"
    assert find(records, "libkfmcp-sample.so")["status"] == "loaded"

    async def body():
        async with session("--no-default-plugins", "--plugins-dir", str(conf), "--plugins-dir", str(libs)) as s:
            r = await s.call_tool("sample_config", {})
            assert r.structured_content == {"config": {"greeting": "hallo", "retries": 3}}
            assert "c_add" not in {t.name for t in (await s.list_tools()).tools}
    run(body)


def test_bad_yaml_entry_is_refused(tmp_path):
    d = plugin_dir(tmp_path)
    (d / "bad.yaml").write_text("library: [unclosed\n")
    (d / "unknown.yaml").write_text("library: x.so\nlibary_typo: 1\n")
    records, _ = plugins_list(d)
    assert "not valid YAML" in find(records, "bad.yaml")["reason"]
    assert "unknown key 'libary_typo'" in find(records, "unknown.yaml")["reason"]


def test_built_plugins_are_found_from_the_checkout():
    proc = run_cli("plugins", "list", "--json")
    assert "libkfmcp-sample.so" in proc.stdout
    assert '"origin": "build output' in proc.stdout


def test_tools_list_and_version_commands(tmp_path):
    d = plugin_dir(tmp_path)
    compile_c_plugin(HELLO, d / "libhello_c.so")
    out = run_cli("tools", "list", "--no-default-plugins", "--plugins-dir", str(d)).stdout
    assert "c_add" in out and "read_only" in out and "hello-c" in out
    assert f"plugin ABI {HOST_ABI}" in run_cli("version").stdout


@pytest.mark.parametrize("provider_isolation", ["in-process", "process"])
def test_a_plugin_started_ahead_of_its_turn_sees_the_plugins_loaded_before_it(tmp_path, provider_isolation):
    # Both are drop-ins, so both load in child processes started at once; the
    # seeker's entry asks list_backends and declines unless the provider (ahead
    # of it by name) is already loaded, as it is when plugins load one by one.
    d = plugin_dir(tmp_path)
    compile_c_plugin(ROOT / "Tests" / "CPlugins" / "provider_plugin.c", d / "libprovider.so")
    compile_c_plugin(ROOT / "Tests" / "CPlugins" / "provider_seeker.c", d / "libseeker.so")
    (d / "provider.yaml").write_text(f"library: libprovider.so\nisolation: {provider_isolation}\n")
    policy = in_process_policy(tmp_path, "libprovider.so")
    listed, stderr = plugins_list(d, env={**os.environ, "KFMCP_POLICY": str(policy)})
    assert [Path(r["path"]).name for r in listed] == ["libprovider.so", "libseeker.so"]
    assert [r["status"] for r in listed] == ["loaded", "loaded"], stderr
    assert find(listed, "libseeker.so")["tools"] == ["seeker_ok"]


def test_doctor_lists_refused_and_disabled_plugins_and_fails_on_a_refused_one(tmp_path):
    d = plugin_dir(tmp_path)
    compile_c_plugin(HELLO, d / "libhello_c.so")
    healthy = run_cli("doctor", "--sim", "--no-default-plugins", "--plugins-dir", str(d))
    assert "plugins:   1 loaded" in healthy.stdout, healthy.stdout

    # The operator's choice: a disabled plugin is listed with its reason, and is no problem.
    (d / "hello.yaml").write_text("library: libhello_c.so\nenabled: false\n")
    disabled = run_cli("doctor", "--sim", "--no-default-plugins", "--plugins-dir", str(d))
    assert "plugin libhello_c.so disabled" in disabled.stdout and "disabled by" in disabled.stdout, disabled.stdout

    compile_c_plugin(BROKEN, d / "broken_RISK.so", "BROKEN_RISK", 'PLUGIN_ID="broken-risk"')
    refused = run_cli("doctor", "--sim", "--no-default-plugins", "--plugins-dir", str(d), check=False)
    assert refused.returncode != 0, refused.stdout
    line = [l for l in refused.stdout.splitlines() if "broken_RISK.so" in l]
    assert line and line[0].startswith("✗ ") and "refused" in line[0] and REFUSALS["RISK"] in line[0], refused.stdout
