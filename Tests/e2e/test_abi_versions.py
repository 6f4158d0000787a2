"""ABI 1.1 is additive: structs only grow, readers compare struct_size with the
frozen 1.0 sizes (never with their own sizeof), so plugins built against a
later minor, with fields appended, still load (issue #17's versioning trap)."""
import os

import pytest

from conftest import HEADER_DIR, ROOT, compile_c_plugin, in_process_policy, plugin_dir, plugins_list
from mcp_client import run, session


def test_a_plugin_with_appended_fields_loads_and_serves(tmp_path):
    d = plugin_dir(tmp_path)
    compile_c_plugin(ROOT / "Tests" / "CPlugins" / "grown_plugin.c", d / "libgrown.so")
    listed, stderr = plugins_list(d)
    grown = [p for p in listed if p.get("id") == "grown"]
    assert grown and grown[0]["status"] == "loaded", (listed, stderr)

    async def body():
        async with session("--no-default-plugins", "--plugins-dir", str(d)) as s:
            names = {t.name for t in (await s.list_tools()).tools}
            assert {"grown_one", "grown_two"} <= names  # the second tool is found by the plugin's stride
            r = await s.call_tool("grown_two", {})
            assert r.structured_content == {"tool": 2}
    run(body)



PROBE_CODES = {  # the header's one return-code rule, as a plugin sees it
    "k8s_no_call": (4, True), "k8s_bad_json": (2, True), "backend_no_call": (4, True),
    "backend_unknown": (1, True), "context_no_call": (4, True), "context": (0, False),
    "tool_unknown": (1, True), "list": (0, False),
}


def _probe(tmp_path, header_dir, isolation):
    """The same codes and manifest fields whether the plugin runs in the host
    (functions read from the manifest) or in a plugin-host child (manifest
    copied over the pipe, services proxied to the parent)."""
    d = plugin_dir(tmp_path)
    compile_c_plugin(ROOT / "Tests" / "CPlugins" / "services_probe.c", d / "libprobe.so", header_dir=header_dir)
    (d / "probe.yaml").write_text(f"library: libprobe.so\nisolation: {isolation}\n")
    policy = ["--policy", str(in_process_policy(tmp_path, "libprobe.so"))] if isolation == "in-process" else []
    listed, stderr = plugins_list(d, env={**os.environ, "KFMCP_POLICY": policy[1]} if policy else None)
    probe = [p for p in listed if p.get("id") == "services-probe"]
    assert probe and probe[0]["status"] == "loaded" and probe[0]["isolation"] == isolation, (listed, stderr)
    out = {}

    async def body():
        async with session("--no-default-plugins", "--plugins-dir", str(d), *policy) as s:
            r = await s.call_tool("services_probe", {})
            assert not r.is_error, r
            out["result"] = r.structured_content
            out["instructions"] = s.init_result.instructions or ""
    run(body)
    for name, (rc, out_null) in PROBE_CODES.items():
        assert out["result"][name] == {"rc": rc, "out_null": out_null}, (name, out["result"])
    assert out["result"]["context_has_dry_run"] is True
    return probe[0], out["instructions"]


@pytest.mark.parametrize("isolation", ["process", "in-process"])
def test_a_plugin_built_against_the_frozen_1_0_header_loads_and_gets_the_same_codes(tmp_path, isolation):
    record, instructions = _probe(tmp_path, ROOT / "Tests" / "CPlugins" / "abi-1.0", isolation)
    assert record["abi"] == "1.0"
    assert "services_probe" not in instructions  # a 1.0 manifest has no instructions field


@pytest.mark.parametrize("isolation", ["process", "in-process"])
def test_a_current_plugin_gets_the_return_code_rule_and_its_instructions_reach_the_client(tmp_path, isolation):
    record, instructions = _probe(tmp_path, HEADER_DIR, isolation)
    assert record["abi"] == "1.2"
    assert "services_probe: call it to see the host's return codes." in instructions


def test_providers_of_another_kind_are_routed_but_not_fine_tuning_backends(tmp_path):
    d = plugin_dir(tmp_path)
    compile_c_plugin(ROOT / "Tests" / "CPlugins" / "provider_plugin.c", d / "libprovider.so")
    listed, stderr = plugins_list(d)
    provider = [p for p in listed if p.get("id") == "example-provider"]
    assert provider and provider[0]["status"] == "loaded" and provider[0]["backends"] == ["example-store"], stderr

    async def body():
        async with session("--plugins-dir", str(d), "--sim") as s:
            r = await s.call_tool("list_fine_tune_backends", {})
            ids = {b["id"] for b in r.structured_content["backends"]}
            assert "torchtune" in ids and "example-store" not in ids
    run(body)


def test_a_provider_kind_that_is_not_a_string_is_refused(tmp_path):
    d = plugin_dir(tmp_path)
    compile_c_plugin(ROOT / "Tests" / "CPlugins" / "provider_plugin.c", d / "libprovider.so", 'KIND="42"')
    listed, _ = plugins_list(d)
    provider = [p for p in listed if p.get("id") == "example-provider"]
    assert provider and provider[0]["status"] == "refused"
    assert "provider 'example-store' has kind 42" in provider[0]["reason"]
