"""`kubeflow-mcp plugin install/remove`: a plugin lands in the user plugin
directory only after its SHA-256 and (when the operator configured trusted
keys) its minisign signature verified; hostile packages are refused with
nothing written; `plugins list` shows source, digest and signer; `serve`
loads what was installed."""
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import tarfile
from pathlib import Path

import anyio
import pytest

from conftest import ROOT, compile_c_plugin, needs_program, run_cli
from mcp_client import run, session

C_EXAMPLE = ROOT / "examples" / "c-plugin" / "hello_c.c"
needs_minisign = needs_program("minisign", "scripts/setup")


@pytest.fixture
def env(tmp_path):
    """The user plugin directory lives under XDG_CONFIG_HOME; no trusted keys unless a test adds them."""
    config = tmp_path / "config"
    config.mkdir(mode=0o755)
    return {**os.environ, "XDG_CONFIG_HOME": str(config), "KFMCP_TRUSTED_KEYS": ""}


def user_dir(env):
    return os.path.join(env["XDG_CONFIG_HOME"], "kubeflow-mcp", "plugins.d")


def package_dir(tmp_path, name="hello", sums=True):
    """A plugin directory: the C example, its declared examples, a SHA256SUMS."""
    d = tmp_path / "src" / name
    d.mkdir(parents=True, mode=0o755)
    compile_c_plugin(C_EXAMPLE, d / "libhello_c.so")
    shutil.copy(ROOT / "examples" / "c-plugin" / "kfmcp-examples.json", d)
    (d / "kfmcp-examples.json").chmod(0o644)
    if sums:
        write_sums(d)
    return d


def write_sums(d):
    lines = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n" for p in sorted(d.iterdir())
             if p.name not in ("SHA256SUMS", "SHA256SUMS.minisig")]
    (d / "SHA256SUMS").write_text("".join(lines))


def archive_of(d, out):
    with tarfile.open(out, "w:gz") as tar:
        tar.add(d, arcname=d.name)
    return out


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def install(env, *args, check=True):
    return run_cli("plugin", "install", *map(str, args), env=env, check=check)


def listed(env, plugin_id="hello-c"):
    out = run_cli("plugins", "list", "--json", env=env).stdout
    return [p for p in json.loads(out) if p.get("id") == plugin_id]


def refused(env, *args, says):
    proc = install(env, *args, check=False)
    assert proc.returncode != 0, proc.stdout
    assert says in proc.stderr, proc.stderr
    # Nothing landed, no staging left behind.
    d = user_dir(env)
    assert not os.path.isdir(d) or os.listdir(d) == [], os.listdir(d)
    return proc.stderr


def test_install_from_a_directory_lists_and_serves_it_then_remove(tmp_path, env):
    d = package_dir(tmp_path)
    out = install(env, d).stdout
    assert "installed hello into" in out and "verified by: SHA256SUMS" in out, out
    assert sorted(os.listdir(user_dir(env))) == ["hello", "hello.yaml"]
    [p] = listed(env)
    assert p["status"] == "loaded" and p["isolation"] == "process", p  # not the host's own: isolated
    assert p["install"]["source"] == str(d) and p["install"]["form"] == "directory"
    assert p["install"]["sha256"] == sha256(d / "SHA256SUMS")
    assert p["install"]["library_sha256"] == sha256(d / "libhello_c.so") and p["install"]["modified"] is False
    assert p["install"]["signer"] is None
    text = run_cli("plugins", "list", env=env).stdout
    assert f"source: {d} (directory)" in text and "signer: none" in text, text

    async def body():
        async with session("--sim", env={"XDG_CONFIG_HOME": env["XDG_CONFIG_HOME"], "KFMCP_TRUSTED_KEYS": ""}) as s:
            added = await s.call_tool("c_add", {"a": 2, "b": 3})
            assert not added.is_error and added.structured_content == {"sum": 5}, added
    run(body)

    # The author's harness runs on the installed copy, examples included.
    assert f"plugin test {user_dir(env)}/hello" in out
    tested = run_cli("plugin", "test", os.path.join(user_dir(env), "hello"), env=env).stdout
    assert "answers as expected" in tested and tested.rstrip().endswith("0 failed"), tested

    again = install(env, d).stdout  # the same package again: an upgrade to itself
    assert "upgraded hello" in again and f"installed from {d}" in again, again

    removed = run_cli("plugin", "remove", "hello", env=env).stdout
    assert f"removed hello from {user_dir(env)}" in removed
    assert os.listdir(user_dir(env)) == [] and listed(env) == []


def test_install_from_an_archive_with_its_digest(tmp_path, env):
    archive = archive_of(package_dir(tmp_path, sums=False), tmp_path / "hello.tar.gz")
    out = install(env, archive, "--sha256", sha256(archive)).stdout
    assert "verified by: sha256" in out
    [p] = listed(env)
    assert p["status"] == "loaded" and p["install"]["sha256"] == sha256(archive) and p["install"]["form"] == "archive"
    tools = json.loads(run_cli("tools", "list", "--json", env=env).stdout)
    assert "c_add" in json.dumps(tools)
    # A library changed after install is flagged, and the loader refuses it.
    lib = os.path.join(user_dir(env), "hello", "libhello_c.so")
    with open(lib, "ab") as f:
        f.write(b"\0")
    [p] = [p for p in json.loads(run_cli("plugins", "list", "--json", env=env).stdout) if p["path"] == lib]
    assert p["status"] == "refused" and p["install"]["modified"] is True, p
    assert "MODIFIED: the library's SHA-256 differs" in run_cli("plugins", "list", env=env).stdout


def test_a_lone_library_installs_under_its_name(tmp_path, env):
    lib = compile_c_plugin(C_EXAMPLE, tmp_path / "libhello_c.so")
    refused(env, lib, says="nothing to verify")
    install(env, lib, "--sha256", sha256(lib))
    assert sorted(os.listdir(user_dir(env))) == ["hello-c", "hello-c.yaml"]
    run_cli("plugin", "remove", "hello-c", env=env)


def test_a_wrong_checksum_is_refused(tmp_path, env):
    d = package_dir(tmp_path)
    archive = archive_of(d, tmp_path / "hello.tar.gz")
    refused(env, archive, "--sha256", "0" * 64, says="checksum mismatch for")
    refused(env, archive, "--sha256", "xyz", says="--sha256 must be 64 hex digits")
    # The digest is checked before the archive is parsed.
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not even gzip")
    refused(env, junk, "--sha256", sha256(archive), says="checksum mismatch for")
    # A file changed after SHA256SUMS was made.
    with open(d / "kfmcp-examples.json", "a") as f:
        f.write(" ")
    refused(env, d, says="checksum mismatch for kfmcp-examples.json")
    # A file SHA256SUMS does not list.
    write_sums(d)
    (d / "extra.txt").write_text("smuggled")
    (d / "extra.txt").chmod(0o644)
    refused(env, d, says="extra.txt is not listed in SHA256SUMS")


# MARK: signatures

def minisign_key(tmp_path, name):
    pub, sec = tmp_path / f"{name}.pub", tmp_path / f"{name}.key"
    subprocess.run(["minisign", "-G", "-W", "-p", str(pub), "-s", str(sec)], check=True, capture_output=True)
    key_id = pub.read_text().split("\n")[0].rsplit(" ", 1)[-1]
    return pub, sec, key_id


def sign(sec, path, comment="hello 1.0.0"):
    subprocess.run(["minisign", "-S", "-s", str(sec), "-m", str(path), "-t", comment], check=True, capture_output=True)
    return path.with_name(path.name + ".minisig")


@pytest.fixture
def keys(tmp_path, env):
    """The operator trusts `author`; `stranger` has a key nobody trusts."""
    trusted = tmp_path / "trusted-keys"
    trusted.mkdir(mode=0o755)
    author = minisign_key(tmp_path, "author")
    stranger = minisign_key(tmp_path, "stranger")
    shutil.copy(author[0], trusted / "author.pub")
    (trusted / "author.pub").chmod(0o644)
    env["KFMCP_TRUSTED_KEYS"] = str(trusted)
    return author, stranger


@needs_minisign
def test_a_good_signature_is_accepted_and_its_signer_shown(tmp_path, env, keys):
    (pub, sec, key_id), _ = keys
    d = package_dir(tmp_path)
    sign(sec, d / "SHA256SUMS")  # SHA256SUMS.minisig inside the package
    (d / "SHA256SUMS.minisig").chmod(0o644)
    archive = archive_of(d, tmp_path / "hello.tar.gz")
    out = install(env, archive).stdout
    assert f"signer: {key_id}" in out and "minisign" in out, out
    [p] = listed(env)
    assert p["status"] == "loaded" and p["install"]["signer"]["key_id"] == key_id, p
    assert p["install"]["signer"]["trusted_comment"] == "hello 1.0.0"
    assert f"signer: {key_id}" in run_cli("plugins", "list", env=env).stdout


@needs_minisign
def test_a_detached_signature_of_the_archive_is_accepted(tmp_path, env, keys):
    (pub, sec, key_id), _ = keys
    archive = archive_of(package_dir(tmp_path, sums=False), tmp_path / "hello.tar.gz")
    sig = sign(sec, archive)
    install(env, archive, "--sig", sig)
    [p] = listed(env)
    assert p["install"]["signer"]["key_id"] == key_id and p["install"]["verified_by"] == ["minisign"]


@needs_minisign
def test_a_signature_by_an_untrusted_key_is_refused(tmp_path, env, keys):
    _, (spub, ssec, stranger_id) = keys
    archive = archive_of(package_dir(tmp_path), tmp_path / "hello.tar.gz")
    sig = sign(ssec, archive)
    err = refused(env, archive, "--sig", sig, says=f"signed by key {stranger_id}, which is not trusted")
    assert "trusted-keys" in err


@needs_minisign
def test_a_file_tampered_after_signing_is_refused(tmp_path, env, keys):
    (pub, sec, key_id), _ = keys
    archive = archive_of(package_dir(tmp_path), tmp_path / "hello.tar.gz")
    sig = sign(sec, archive)
    with open(archive, "ab") as f:  # gzip ignores nothing: the bytes changed
        f.write(b"\0")
    refused(env, archive, "--sig", sig, says="does not verify")
    # The signature is checked before the archive is parsed: junk is refused for its signature.
    archive.write_bytes(b"not even gzip")
    refused(env, archive, "--sig", sig, says="does not verify")
    # Inside a package: SHA256SUMS is signed, then the library is replaced.
    d = package_dir(tmp_path, name="hello2")
    sign(sec, d / "SHA256SUMS")
    (d / "SHA256SUMS.minisig").chmod(0o644)
    compile_c_plugin(ROOT / "Tests" / "CPlugins" / "provider_plugin.c", d / "libhello_c.so")
    refused(env, d, says="checksum mismatch for libhello_c.so")
    # And SHA256SUMS rewritten to match: now its signature fails.
    write_sums(d)
    refused(env, d, says="does not verify")


@needs_minisign
def test_keys_configured_means_a_signature_is_required(tmp_path, env, keys):
    d = package_dir(tmp_path)
    refused(env, d, says="carries no signature, and trusted keys are configured")


def test_a_signature_without_trusted_keys_cannot_be_checked(tmp_path, env):
    d = package_dir(tmp_path)
    (tmp_path / "x.minisig").write_text("untrusted comment: x\n")
    refused(env, d, "--sig", tmp_path / "x.minisig", says="cannot be checked: no trusted keys are configured")
    env["KFMCP_TRUSTED_KEYS"] = str(tmp_path / "nowhere")
    refused(env, d, says="trusted key directory")


# MARK: hostile packages

def hostile_archive(tmp_path, entries, fmt=tarfile.GNU_FORMAT):
    """entries: (name, type, data or link target)."""
    out = tmp_path / "hostile.tar.gz"
    with tarfile.open(out, "w:gz", format=fmt) as tar:
        for name, kind, payload in entries:
            info = tarfile.TarInfo(name)
            info.mode = 0o644
            if kind == "file":
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
            elif kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            elif kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, payload
                tar.addfile(info)
            elif kind == "hardlink":
                info.type, info.linkname = tarfile.LNKTYPE, payload
                tar.addfile(info)
    return out


LIB = ("hello/libhello.so", "file", b"\x7fELF")


@pytest.mark.parametrize("entries,says", [
    ([LIB, ("hello/../../escape.so", "file", b"x")], "climbs out with '..'"),
    ([("/tmp/hello/libhello.so", "file", b"x")], "is an absolute path"),
    ([LIB, ("hello/link.so", "symlink", "/etc/passwd")], "is a link"),
    ([LIB, ("hello/hard", "hardlink", "hello/libhello.so")], "is a link"),
    ([LIB, ("hello/sub/", "dir", None)], "nested directory"),
    ([LIB, ("other/libx.so", "file", b"x")], "one top directory"),
    ([("hello/readme", "file", b"x")], "exactly one .so"),
    ([("Hello/libhello.so", "file", b"x")], "must match [a-z]"),
    ([LIB, ("hello/kfmcp-install.json", "file", b"{}")], "written by the installer"),
])
def test_hostile_archives_are_refused_with_nothing_written(tmp_path, env, entries, says):
    archive = hostile_archive(tmp_path, entries)
    refused(env, archive, "--sha256", sha256(archive), says=says)
    assert not (tmp_path / "escape.so").exists()


@pytest.mark.parametrize("fmt", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_long_names_carry_no_traversal_past_the_reader(tmp_path, env, fmt):
    """A name longer than the 100-byte header field travels in a GNU 'L' or a pax 'x' record; it is checked too."""
    long = "hello/" + "a" * 120 + "/../../../escape.so"
    archive = hostile_archive(tmp_path, [LIB, (long, "file", b"x")], fmt)
    refused(env, archive, "--sha256", sha256(archive), says="climbs out with '..'")


def test_a_huge_file_is_refused_before_it_is_written(tmp_path, env):
    out = tmp_path / "huge.tar.gz"
    with tarfile.open(out, "w:gz") as tar:
        info = tarfile.TarInfo("hello/libhello.so")
        info.size = 3 << 20
        tar.addfile(info, io.BytesIO(bytes(info.size)))
    refused(env, out, "--sha256", sha256(out), "--max-size-mb", "1", says="more than 1 MiB")
    # A gzip bomb is cut off while it decompresses, not after.
    bomb = tmp_path / "bomb.tar.gz"
    subprocess.run(f"head -c {8 << 20} /dev/zero | gzip -c > {bomb}", shell=True, check=True)
    refused(env, bomb, "--sha256", sha256(bomb), "--max-size-mb", "1", says="unpacks to more than 1 MiB")
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not gzip")
    refused(env, junk, "--sha256", sha256(junk), says="is not a gzip-compressed archive")


def test_hostile_directories_are_refused(tmp_path, env):
    d = package_dir(tmp_path)
    os.symlink("/etc/passwd", d / "passwd")
    refused(env, d, says="is a symlink")
    os.unlink(d / "passwd")
    (d / "kfmcp-examples.json").chmod(0o666)
    refused(env, d, says="writable by group or others")


def test_remove_touches_only_what_install_made(tmp_path, env):
    for bad in ["../etc", "Hello", ""]:
        proc = run_cli("plugin", "remove", bad, env=env, check=False)
        assert proc.returncode != 0 and "not a plugin install name" in proc.stderr, proc.stderr
    os.makedirs(os.path.join(user_dir(env), "handmade"))
    proc = run_cli("plugin", "remove", "handmade", env=env, check=False)
    assert proc.returncode != 0 and "was installed by `plugin install`" in proc.stderr
    assert os.path.isdir(os.path.join(user_dir(env), "handmade"))


def test_an_untrusted_plugin_directory_is_refused_before_anything_is_written(tmp_path, env):
    d = package_dir(tmp_path)
    target = user_dir(env)
    os.makedirs(target)
    os.chmod(target, 0o777)
    proc = install(env, d, check=False)
    assert proc.returncode != 0 and "writable by group or others" in proc.stderr, proc.stderr
    assert os.listdir(target) == []


# MARK: upgrades, and installed files changed on disk

VERSIONED = ROOT / "Tests" / "CPlugins" / "versioned_plugin.c"


def versioned_package(tmp_path, version, *defines):
    """The install NAME `hello` holding versioned_plugin.c built as `version`."""
    d = tmp_path / f"v{version}" / "hello"
    d.mkdir(parents=True, mode=0o755)
    compile_c_plugin(VERSIONED, d / "libversioned.so", f'VERSION="{version}"', *defines)
    write_sums(d)
    return d


def serve_pid_of(env):
    """The `kubeflow-mcp serve` started with this test's XDG_CONFIG_HOME."""
    mark = f"XDG_CONFIG_HOME={env['XDG_CONFIG_HOME']}".encode()
    for entry in Path("/proc").iterdir():
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
            if len(args) > 1 and args[1] == b"serve" and mark in (entry / "environ").read_bytes().split(b"\0"):
                return int(entry.name)
        except (OSError, ValueError):
            continue
    raise AssertionError("no serve process for this test")


def test_installing_over_an_installed_plugin_upgrades_it_and_a_server_takes_it_on_reload(tmp_path, env):
    v1 = versioned_package(tmp_path, "1")
    install(env, v1)
    v2 = versioned_package(tmp_path, "2", "EXTRA_TOOL")

    async def echo(s):
        r = await s.call_tool("versioned_echo", {})
        assert not r.is_error, r
        return r.structured_content["version"]

    async def body():
        async with session("--sim", env={"XDG_CONFIG_HOME": env["XDG_CONFIG_HOME"], "KFMCP_TRUSTED_KEYS": ""}) as s:
            assert await echo(s) == "1"
            out = install(env, v2).stdout
            assert "upgraded hello" in out and f"installed from {v1}" in out and "kill -HUP" in out, out
            # A running server runs its private copy: nothing changes before the reload.
            assert await echo(s) == "1"
            os.kill(serve_pid_of(env), signal.SIGHUP)
            with anyio.fail_after(60):
                while await echo(s) != "2":
                    await anyio.sleep(0.05)
            assert "versioned_extra" in [t.name for t in (await s.list_tools()).tools]
    run(body)

    # On disk: one directory and its entry, the v2 files and record, nothing left aside.
    assert sorted(os.listdir(user_dir(env))) == ["hello", "hello.yaml"]
    [p] = listed(env, "versioned")
    assert p["status"] == "loaded" and p["version"] == "2.0.0", p
    assert p["install"]["source"] == str(v2) and p["install"]["library_sha256"] == sha256(v2 / "libversioned.so")


def test_an_upgrade_that_fails_verification_leaves_the_installed_version(tmp_path, env):
    v1 = versioned_package(tmp_path, "1")
    install(env, v1)
    v2 = versioned_package(tmp_path, "2")
    archive = archive_of(v2, tmp_path / "hello-2.tar.gz")
    proc = install(env, archive, "--sha256", "0" * 64, check=False)
    assert proc.returncode != 0 and "checksum mismatch" in proc.stderr, proc.stderr
    # A package whose SHA256SUMS no longer matches its library: the check on staged files.
    compile_c_plugin(VERSIONED, v2 / "libversioned.so", 'VERSION="3"')
    proc = install(env, v2, check=False)
    assert proc.returncode != 0 and "checksum mismatch for libversioned.so" in proc.stderr, proc.stderr
    assert sorted(os.listdir(user_dir(env))) == ["hello", "hello.yaml"]
    [p] = listed(env, "versioned")
    assert p["status"] == "loaded" and p["version"] == "1.0.0" and p["install"]["source"] == str(v1), p
    assert p["install"]["library_sha256"] == sha256(v1 / "libversioned.so")


def test_a_directory_not_installed_by_plugin_install_is_not_overwritten_without_force(tmp_path, env):
    d = package_dir(tmp_path)
    plugins = user_dir(env)
    os.makedirs(os.path.join(plugins, "hello"))
    Path(plugins, "hello", "notes.txt").write_text("the operator's")
    proc = install(env, d, check=False)
    assert proc.returncode != 0, proc.stdout
    assert "was not installed by `plugin install`" in proc.stderr and "--force" in proc.stderr, proc.stderr
    assert sorted(os.listdir(plugins)) == ["hello"] and os.listdir(os.path.join(plugins, "hello")) == ["notes.txt"]
    # A hand-written entry of that name is not ours either.
    shutil.rmtree(os.path.join(plugins, "hello"))
    Path(plugins, "hello.yaml").write_text("library: /elsewhere/libhello.so\n")
    proc = install(env, d, check=False)
    assert proc.returncode != 0 and "hello.yaml exists and was not installed" in proc.stderr, proc.stderr
    assert sorted(os.listdir(plugins)) == ["hello.yaml"]
    # --force replaces it.
    out = install(env, d, "--force").stdout
    assert "replacing what was there (--force)" in out, out
    assert sorted(os.listdir(plugins)) == ["hello", "hello.yaml"]
    assert "library: hello/libhello_c.so" in Path(plugins, "hello.yaml").read_text()
    [p] = listed(env)
    assert p["status"] == "loaded", p


def test_an_installed_library_changed_on_disk_is_refused_by_the_loader_and_doctor(tmp_path, env):
    d = package_dir(tmp_path)
    install(env, d)
    assert run_cli("doctor", "--sim", env=env, check=False).returncode == 0
    lib = os.path.join(user_dir(env), "hello", "libhello_c.so")
    recorded = sha256(d / "libhello_c.so")
    # Another valid plugin, same file name, trusted owner and mode: only the digest tells.
    compile_c_plugin(ROOT / "Tests" / "CPlugins" / "provider_plugin.c", Path(lib))
    current = sha256(Path(lib))
    [p] = [p for p in json.loads(run_cli("plugins", "list", "--json", env=env).stdout) if p["path"] == lib]
    assert p["status"] == "refused" and p["install"]["modified"] is True, p
    for words in ["installed plugin 'hello'", current, recorded, "kubeflow-mcp plugin install"]:
        assert words in p["reason"], p["reason"]
    assert "c_add" not in run_cli("tools", "list", env=env).stdout
    doctor = run_cli("doctor", "--sim", env=env, check=False)
    assert doctor.returncode != 0 and f"✗ plugin libhello_c.so refused ({lib}): installed plugin 'hello'" in doctor.stdout, doctor.stdout
    # Reinstalling (an upgrade to the verified package) is the fix.
    install(env, d)
    [p] = listed(env)
    assert p["status"] == "loaded" and p["install"]["modified"] is False
    # A record that is there but cannot be read checks nothing: refused, not loaded unchecked.
    Path(user_dir(env), "hello", "kfmcp-install.json").write_text("{not json")
    [p] = [p for p in json.loads(run_cli("plugins", "list", "--json", env=env).stdout) if p["path"] == lib]
    assert p["status"] == "refused" and "cannot be read or is not trusted" in p["reason"], p


def test_a_plugin_without_an_install_record_loads_as_before(tmp_path, env):
    d = package_dir(tmp_path)
    install(env, d)
    os.unlink(os.path.join(user_dir(env), "hello", "kfmcp-install.json"))
    with open(os.path.join(user_dir(env), "hello", "libhello_c.so"), "ab") as f:
        f.write(b"\0")
    [p] = listed(env)
    assert p["status"] == "loaded" and "install" not in p, p
