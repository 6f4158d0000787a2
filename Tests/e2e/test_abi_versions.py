"""ABI 1.1 is additive: structs only grow, readers compare struct_size with the
frozen 1.0 sizes (never with their own sizeof), so plugins built against a
later minor, with fields appended, still load (issue #17's versioning trap)."""
from conftest import ROOT, compile_c_plugin, plugin_dir, plugins_list
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

