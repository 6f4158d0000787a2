"""What a plugin author starts from builds and works through MCP: the Rust
example crate (zero dependencies, offline), the out-of-tree Swift package that
depends on PluginKit by path, and `kubeflow-mcp plugin new` skeletons. Tests
needing a toolchain that is absent are skipped (cargo is optional in CI)."""
import os
import shutil
import subprocess

import pytest

from conftest import BINARY, HOST_ABI, ROOT, compile_c_plugin, needs_program, plugin_dir, plugins_list, run_cli
from mcp_client import run, session
from test_plugin_loading import BROKEN, REFUSALS

RUST_EXAMPLE = ROOT / "examples" / "rust-plugin"
RUST_TARGET = ROOT / ".build" / "rust"  # shared by the runs: cargo rebuilds only what changed
needs_cargo = needs_program("cargo", "the image (rustup)")


def cargo(*args, cwd=RUST_EXAMPLE):
    subprocess.run(["cargo", *args, "--offline", "--quiet", "--target-dir", str(RUST_TARGET)], cwd=cwd, check=True)


@pytest.fixture(scope="module")
def rust_plugin_dir(tmp_path_factory):
    cargo("build")
    d = plugin_dir(tmp_path_factory.mktemp("rust"))
    shutil.copy(RUST_TARGET / "debug" / "libkfmcp_rust_example.so", d / "libkfmcp_rust_example.so")
    return d


@needs_cargo
def test_the_rust_example_loads_and_its_tools_run_through_mcp(rust_plugin_dir):
    listed, stderr = plugins_list(rust_plugin_dir)
    rust = [p for p in listed if p.get("id") == "rust-example"]
    assert rust and rust[0]["status"] == "loaded" and rust[0]["abi"] == "1.1", (listed, stderr)

    async def body():
        async with session("--no-default-plugins", "--plugins-dir", str(rust_plugin_dir), "--sim") as s:
            assert "rust_whoami shows who" in (s.init_result.instructions or "")
            counted = await s.call_tool("rust_word_count", {"text": "one two\nthree"})
            assert not counted.is_error and counted.structured_content == {"words": 3, "lines": 2, "characters": 13}
            who = await s.call_tool("rust_whoami", {})
            assert not who.is_error and who.structured_content["tool"] == "rust_whoami"
            assert who.structured_content["dry_run"] is False
            refused = await s.call_tool("rust_word_count", {"text": 3})  # the host validates first
            assert refused.is_error and "text" in refused.content[0].text
    run(body)


@needs_cargo
def test_the_rust_example_passes_its_own_tests():
    cargo("test")


SWIFT_EXAMPLE = ROOT / "examples" / "swift-plugin"
SWIFT_SCRATCH = ROOT / ".build" / "swift-example"  # kept between runs: the package builds once


def swift_package(package, *args, scratch=SWIFT_SCRATCH):
    """`swift build|test` of an out-of-tree package, pinned to the versions the
    repository resolved (so no new download is needed); a skeleton finds PluginKit
    in the checkout KUBEFLOW_MCP_PACKAGE names, as `plugin sdk` says."""
    resolved = ROOT / "Package.resolved"
    if resolved.exists():
        shutil.copy(resolved, package / "Package.resolved")
    subprocess.run(["swift", *args, "--package-path", str(package), "--scratch-path", str(scratch)], check=True,
                   stdout=subprocess.DEVNULL, env={**os.environ, "KUBEFLOW_MCP_PACKAGE": str(ROOT)})


@pytest.fixture(scope="module")
def swift_plugin_dir(tmp_path_factory):
    swift_package(SWIFT_EXAMPLE, "build", "--build-tests")
    d = plugin_dir(tmp_path_factory.mktemp("swift"))
    shutil.copy(SWIFT_SCRATCH / "debug" / "libkfmcp-swift-example.so", d / "libkfmcp-swift-example.so")
    return d


def test_the_out_of_tree_swift_example_loads_and_runs_through_mcp(swift_plugin_dir):
    async def body():
        async with session("--no-default-plugins", "--plugins-dir", str(swift_plugin_dir), "--sim") as s:
            assert "swift_example_greet greets" in (s.init_result.instructions or "")
            hello = await s.call_tool("swift_example_greet", {"name": "Ada"})
            assert not hello.is_error and hello.structured_content == {"greeting": "Hello, Ada!", "namespace": "default"}
            empty = await s.call_tool("swift_example_greet", {"name": " "})
            assert empty.is_error and "name is empty" in empty.content[0].text
    run(body)


def test_the_out_of_tree_swift_example_passes_its_own_tests(swift_plugin_dir):
    swift_package(SWIFT_EXAMPLE, "test", "--skip-build")


def plugin_new(tmp_path, lang):
    out = run_cli("plugin", "new", f"my-{lang}-tools", "--lang", lang, "--output", str(tmp_path / lang),
                  "--repo", str(ROOT))
    assert f"my_{lang}_tools_hello" in out.stdout
    sk = tmp_path / lang
    for f in sk.rglob("*"):  # the skeleton builds wherever the checkout is: no file holds its path
        if f.is_file():
            assert str(ROOT) not in f.read_text(), f
    return sk


async def greet_through_mcp(plugins, tool):
    async with session("--no-default-plugins", "--plugins-dir", str(plugins), "--sim") as s:
        hello = await s.call_tool(tool, {"name": "Ada"})
        assert not hello.is_error and hello.structured_content == {"greeting": "Hello, Ada!"}, hello
        empty = await s.call_tool(tool, {"name": ""})
        assert empty.is_error and "name is empty" in empty.content[0].text


def serve_one(tmp_path, library):
    d = plugin_dir(tmp_path, "served")
    shutil.copy(library, d / library.name)
    return d


def test_plugin_new_c_builds_passes_its_test_and_serves(tmp_path):
    sk = plugin_new(tmp_path, "c")
    subprocess.run(["make", "-s", "-C", str(sk), f"KUBEFLOW_MCP={BINARY}", "test"], check=True, stdout=subprocess.DEVNULL)
    run(lambda: greet_through_mcp(serve_one(tmp_path, sk / "libkfmcp-my-c-tools.so"), "my_c_tools_hello"))


@needs_cargo
def test_plugin_new_rust_builds_passes_its_test_and_serves(tmp_path):
    sk = plugin_new(tmp_path, "rust")
    cargo("test", cwd=sk)
    cargo("build", cwd=sk)
    library = RUST_TARGET / "debug" / "libkfmcp_my_rust_tools.so"
    run(lambda: greet_through_mcp(serve_one(tmp_path, library), "my_rust_tools_hello"))


def test_plugin_new_swift_builds_passes_its_test_and_serves(tmp_path):
    sk = plugin_new(tmp_path, "swift")
    scratch = ROOT / ".build" / "swift-skeleton"  # kept between runs, like the example's
    swift_package(sk, "build", "--build-tests", scratch=scratch)
    swift_package(sk, "test", "--skip-build", scratch=scratch)
    run(lambda: greet_through_mcp(serve_one(tmp_path, scratch / "debug" / "libkfmcp-my-swift-tools.so"),
                                  "my_swift_tools_hello"))


def test_plugin_new_refuses_a_bad_name_and_an_existing_directory(tmp_path):
    bad = run_cli("plugin", "new", "Bad_Name", "--lang", "c", "--output", str(tmp_path / "x"), check=False)
    assert bad.returncode != 0 and "NAME must be" in bad.stderr and not (tmp_path / "x").exists()
    (tmp_path / "taken").mkdir()
    taken = run_cli("plugin", "new", "ok", "--lang", "c", "--output", str(tmp_path / "taken"), "--repo", str(ROOT),
                    check=False)
    assert taken.returncode != 0 and "already exists" in taken.stderr


def test_plugin_sdk_prints_the_include_directory_and_compiler_flags(tmp_path):
    include = ROOT / "Sources" / "PluginABI" / "include"
    out = run_cli("plugin", "sdk").stdout
    assert f"include_dir: {include}" in out and f"abi:         {HOST_ABI}" in out and f"swift_package: {ROOT}" in out, out
    assert run_cli("plugin", "sdk", "--cflags").stdout.strip() == f"-I{include}"
    assert run_cli("plugin", "sdk", "--include-dir").stdout.strip() == str(include)
    assert run_cli("plugin", "sdk", "--modversion").stdout.strip() == HOST_ABI


def test_plugin_sdk_finds_the_header_installed_beside_the_binary(tmp_path):
    """`make install`'s layout: <prefix>/bin/kubeflow-mcp and <prefix>/include/kubeflow-mcp/."""
    prefix = tmp_path / "prefix"
    (prefix / "bin").mkdir(parents=True)
    shutil.copy(BINARY, prefix / "bin" / "kubeflow-mcp")
    shutil.copytree(ROOT / "Sources" / "PluginABI" / "include", prefix / "include" / "kubeflow-mcp")
    proc = subprocess.run([str(prefix / "bin" / "kubeflow-mcp"), "plugin", "sdk", "--cflags"],
                          capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == f"-I{prefix / 'include' / 'kubeflow-mcp'}"
    (prefix / "include" / "kubeflow-mcp" / "kfmcp_plugin.h").unlink()
    gone = subprocess.run([str(prefix / "bin" / "kubeflow-mcp"), "plugin", "sdk"], capture_output=True, text=True)
    assert gone.returncode != 0 and "make install" in gone.stderr


# MARK: plugin test, the author's harness

def plugin_test(path, check=True):
    proc = subprocess.run([str(BINARY), "plugin", "test", str(path)], capture_output=True, text=True, timeout=120)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def test_plugin_test_passes_on_the_c_example_and_runs_its_declared_examples(tmp_path):
    d = plugin_dir(tmp_path)
    compile_c_plugin(ROOT / "examples" / "c-plugin" / "hello_c.c", d / "libhello_c.so")
    shutil.copy(ROOT / "examples" / "c-plugin" / "kfmcp-examples.json", d)
    out = plugin_test(d / "libhello_c.so").stdout
    assert "✓ hello-c 1.0.0 loads" in out and "✓ example c_add {\"a\":2,\"b\":3} answers as expected" in out, out
    assert out.rstrip().endswith("4 passed, 0 failed"), out

    # A wrong expectation fails with the field that differs.
    (d / "kfmcp-examples.json").write_text('[{"tool": "c_add", "arguments": {"a": 2, "b": 3}, "expect": {"sum": 6}},'
                                           ' {"tool": "not_ours", "arguments": {}}]')
    failed = plugin_test(d, check=False)
    assert failed.returncode == 1 and "result.sum is 5, expected 6" in failed.stdout, failed.stdout
    assert "\"tool\" must name one of the plugin's tools (c_add, c_context)" in failed.stdout


@pytest.mark.parametrize("source,header", [
    (ROOT / "examples" / "llamafactory-backend" / "llamafactory_backend.c", None),
    (ROOT / "Tests" / "CPlugins" / "backend_1_0.c", ROOT / "Tests" / "CPlugins" / "abi-1.0"),
])
def test_plugin_test_runs_the_provider_conformance_on_a_backend(tmp_path, source, header):
    d = plugin_dir(tmp_path)
    compile_c_plugin(source, d / "libbackend.so", **({"header_dir": header} if header else {}))
    out = plugin_test(d / "libbackend.so").stdout
    for check in ("capabilities.methods", "build_trainer answers a trainer section", "estimate answers recommended_gpus",
                  "unknown backend_options key is refused"):
        assert f": {check}" in out or check in out, (check, out)
    assert ", 0 failed" in out


def test_plugin_test_passes_on_the_swift_example(swift_plugin_dir):
    out = plugin_test(swift_plugin_dir).stdout
    assert "✓ swift-example" in out and ", 0 failed" in out, out


@pytest.mark.parametrize("kind", sorted(REFUSALS))
def test_plugin_test_fails_with_the_reason_on_each_broken_plugin(tmp_path, kind):
    d = plugin_dir(tmp_path)
    compile_c_plugin(BROKEN, d / "broken.so", f"BROKEN_{kind}", f'PLUGIN_ID="broken-{kind.lower().replace("_", "-")}"')
    proc = plugin_test(d / "broken.so", check=False)
    assert proc.returncode == 1, proc.stdout
    assert "✗ " in proc.stdout and "refused" in proc.stdout and REFUSALS[kind] in proc.stdout, proc.stdout
    assert proc.stdout.rstrip().endswith("0 passed, 1 failed")


def test_plugin_test_refuses_a_path_that_does_not_exist(tmp_path):
    proc = plugin_test(tmp_path / "nope.so", check=False)
    assert proc.returncode != 0 and "does not exist" in proc.stderr
