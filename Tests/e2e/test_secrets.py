"""Secrets that stay secret (issue 11): planted credentials of every shape,
through every output channel of the built server, counted; credentials in env
only by Secret reference; the gated-model flow on the simulator."""
import base64
import json
import shutil
import subprocess

import mcp_types as types

from conftest import BUILD, ROOT, compile_c_plugin, plugin_dir
from mcp_client import confirmed_call, run, session

HF = "hf_PLANTEDsecretTOKEN1234567890abcdef"
AWS_ID = "AKIAPLANTED0000001XY"
AWS_SECRET = "wJalrXUtnFEMIK7MDENGbPxRfiCYPLANTEDKEY01"
BEARER = "eyJhbGciOiJQTEFOVEVEIn0.plantedbearer.sig0123"
PEM_BODY = ["MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCplantedPEMline1",
            "Kx9PLANTEDpemLINE2bodyAAAAB3NzaC1yc2EAAAADAQABAAABAQC7vbqajDhA"]
PEM = "\n".join(["-----BEGIN PRIVATE KEY-----", *PEM_BODY, "-----END PRIVATE KEY-----"])
URI_PASSWORD = "s3cr3tPLANTEDpw"
ENV_PASSWORD = "dbPLANTEDpassword42"
SECRET_DATA = base64.b64encode(b"plantedSecretDataValue").decode()
KUBECONFIG_TOKEN = "kfsim-admin-token"

PLANTED = {"hf_ token": HF, "AWS key id": AWS_ID, "AWS secret key": AWS_SECRET, "bearer token": BEARER,
           "PEM line 1": PEM_BODY[0], "PEM line 2": PEM_BODY[1], "URI password": URI_PASSWORD,
           "env pair value": ENV_PASSWORD, "Secret data (base64)": SECRET_DATA, "kubeconfig token": KUBECONFIG_TOKEN}

# Everything a careless plugin could hand back, in one payload.
PAYLOAD = {
    "note": f"token {HF} and key {AWS_ID}",
    "config": f"aws_secret_access_key = {AWS_SECRET}\nAuthorization: Bearer {BEARER}",
    "key": PEM,
    "uri": f"s3://minio:{URI_PASSWORD}@bucket/data",
    "env": [{"name": "DB_PASSWORD", "value": ENV_PASSWORD}, {"name": "LEVEL", "value": "1"}],
    "yaml": f"env:\n- name: DB_PASSWORD\n  value: {ENV_PASSWORD}\n",
    "secret": {"kind": "Secret", "metadata": {"name": "s"}, "data": {"k": SECRET_DATA}},
}


def c_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def leaky_plugin(tmp_path):
    """A C plugin that logs a PEM key one line per log call and answers with
    whatever it is given, or with an error full of secrets."""
    lines = ", ".join(c_string(line) for line in PEM.split("\n"))
    failure = json.dumps({"error": {"message": f"failed: {json.dumps(PAYLOAD)}"}})
    source = tmp_path / "leaky.c"
    source.write_text(f"""
#include "kfmcp_plugin.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static const kfmcp_host_v1 *g_host;
static const char *pem[] = {{{lines}}};
static int32_t invoke(const char *tool, const char *json_in, kfmcp_call *call, char **json_out) {{
    (void)call;
    for (unsigned i = 0; i < sizeof pem / sizeof pem[0]; i++) g_host->log(g_host, KFMCP_LOG_WARNING, pem[i]);
    g_host->log(g_host, KFMCP_LOG_WARNING, {c_string(f"calling with Authorization: Bearer {BEARER} and {HF}")});
    if (strcmp(tool, "leaky_fail") == 0) {{ *json_out = strdup({c_string(failure)}); return KFMCP_OK; }}
    size_t n = strlen(json_in) + 64;
    char *out = malloc(n);
    snprintf(out, n, "{{\\"result\\":%s,\\"text\\":\\"echo\\"}}", json_in);
    *json_out = out;
    return KFMCP_OK;
}}
static void free_result(char *p) {{ free(p); }}
#define SCHEMA "{{\\"type\\":\\"object\\",\\"properties\\":{{\\"payload\\":{{\\"type\\":\\"object\\"}}}},\\"additionalProperties\\":false}}"
static const kfmcp_tool_v1 tools[] = {{
    {{.struct_size = sizeof(kfmcp_tool_v1), .risk = KFMCP_RISK_READ_ONLY, .name = "leaky_echo", .title = "Echo",
      .description = "Echoes its payload.", .category = "discovery", .input_schema = SCHEMA}},
    {{.struct_size = sizeof(kfmcp_tool_v1), .risk = KFMCP_RISK_READ_ONLY, .name = "leaky_fail", .title = "Fail",
      .description = "Fails.", .category = "discovery", .input_schema = SCHEMA}},
}};
static const kfmcp_manifest_v1 manifest = {{
    .struct_size = sizeof(kfmcp_manifest_v1), .abi_major = KFMCP_ABI_MAJOR, .abi_minor = KFMCP_ABI_MINOR,
    .plugin_id = "leaky", .plugin_version = "1.0.0", .built_with = "cc", .description = "Test plugin: leaks.",
    .tools = tools, .tool_count = 2, .invoke = invoke, .free_result = free_result,
}};
__attribute__((visibility("default")))
const kfmcp_manifest_v1 *kfmcp_plugin_entry_v1(const kfmcp_host_v1 *host) {{ g_host = host; return &manifest; }}
""")
    d = plugin_dir(tmp_path, "leaky")
    compile_c_plugin(source, d / "libleaky.so")
    compile_c_plugin(ROOT / "Tests" / "CPlugins" / "k8s_probe.c", d / "libk8s_probe.so")
    return d


def test_planted_secrets_leak_through_no_channel(tmp_path, standalone_sim, capsys):
    kubeconfig = str(standalone_sim.kubeconfig)
    manifest = tmp_path / "secret.json"
    manifest.write_text(json.dumps({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                                    "metadata": {"name": "planted", "namespace": "default"}, "data": {"k": SECRET_DATA}}))
    subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "create", "--validate=false", "-f", str(manifest)],
                   check=True, capture_output=True)
    audit, stderr_file = tmp_path / "audit.log", tmp_path / "stderr.log"
    channels = {"results": [], "structuredContent": [], "errors": [], "MCP log notifications": [],
                "container logs": []}

    async def on_log(params: types.LoggingMessageNotificationParams):
        channels["MCP log notifications"].append(json.dumps(params.data))

    def keep(result, channel="results"):
        texts = [c.text for c in result.content if hasattr(c, "text")]
        channels["errors" if result.is_error else channel] += texts
        channels["structuredContent"].append(json.dumps(result.structured_content))
        return result

    async def body():
        async with session("--kubeconfig", kubeconfig, "--audit-log", str(audit), "--log-level", "debug",
                           "--plugins-dir", str(leaky_plugin(tmp_path)), errlog=stderr_file,
                           logging_callback=on_log) as s:
            await s.set_logging_level("debug")
            keep(await s.call_tool("leaky_echo", {"payload": PAYLOAD}))
            keep(await s.call_tool("leaky_fail", {"payload": {}}))
            keep(await s.call_tool("k8s_probe", {"method": "GET", "path": "/api/v1/namespaces/default/secrets/planted"}))
            keep(await s.call_tool("k8s_probe", {"method": "GET", "path": "/api/v1/namespaces/default/secrets"}))
            # The host's own errors quote what the caller sent.
            keep(await s.call_tool(HF, {}))
            keep(await s.call_tool("leaky_echo", {HF: 1, f"password={URI_PASSWORD}": 2}))
            keep(await s.call_tool("get_training_job", {"job_id": HF}))
            keep(await s.call_tool("fine_tune", {"model": "Qwen/Qwen2.5-1.5B-Instruct",
                                                 "dataset": f"s3://minio:{URI_PASSWORD}@bucket/data"}))
            keep(await s.call_tool("run_container_job", {"image": "busybox", "env": {"DB_PASSWORD": ENV_PASSWORD}}))
            keep(await s.call_tool("run_container_job", {"image": "busybox", "env": {"X": f"Bearer {BEARER}"}}))
            keep(await s.call_tool("setup_hf_credentials", {"token": HF}))
            # A credential in an image tag shows up in the container's "Image …" log line.
            job = keep(await confirmed_call(s, "run_container_job", {"image": f"ghcr.io/org/trainer:{HF}-{AWS_ID}"}))
            job_id = job.structured_content["job_id"]
            await s.call_tool("wait_for_completion", {"job_id": job_id, "timeout_seconds": 120})
            logs = keep(await s.call_tool("get_training_logs", {"job_id": job_id}), "container logs")
            assert "Image" in logs.content[0].text and "[REDACTED]" in logs.content[0].text, logs.content[0].text
    run(body)
    channels["audit file"] = [audit.read_text()]
    channels["stderr (debug)"] = [stderr_file.read_text()]
    channels["plugin logs"] = [line for line in stderr_file.read_text().splitlines() if "plugin leaky" in line]
    assert channels["plugin logs"] and channels["MCP log notifications"] and channels["container logs"]

    leaks = {(channel, what): sum(text.count(secret) for text in texts)
             for channel, texts in channels.items() for what, secret in PLANTED.items()}
    with capsys.disabled():
        print(f"\nplanted secrets: {len(PLANTED)} kinds x {len(channels)} channels")
        for channel, texts in channels.items():
            found = {what: n for (c, what), n in leaks.items() if c == channel and n}
            print(f"  {channel:24} {sum(len(t) for t in texts):8} chars  leaks: {sum(found.values())} {found or ''}")
        print(f"  total leaks: {sum(leaks.values())}")
    assert sum(leaks.values()) == 0, {k: n for k, n in leaks.items() if n}
    # The credential did reach the cluster, where it belongs.
    stored = subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "get", "secret", "hf-token", "-o", "json"],
                            capture_output=True, text=True, check=True)
    assert base64.b64decode(json.loads(stored.stdout)["data"]["token"]).decode() == HF


def test_env_takes_secret_references_and_refuses_credentials():
    async def body():
        async with session("--sim") as s:
            r = await s.call_tool("run_container_job", {"image": "busybox", "env": {
                "HF_TOKEN": {"secret": "hf-token", "key": "token"}, "LEVEL": "debug", "WORKERS": 4}})
            assert not r.is_error, r.content[0].text
            spec = r.structured_content["would_send"][0]["body"]["spec"]
            # A Secret-fed value goes to spec.trainer.env too: Trainer v2.3.0's webhook denies env in a
            # runtime patch of the node container, where the SDK's RuntimePatch would put it.
            assert spec["trainer"]["env"] == [
                {"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf-token", "key": "token"}}},
                {"name": "LEVEL", "value": "debug"}, {"name": "WORKERS", "value": "4"}]
            assert "runtimePatches" not in spec
            for env in ({"DB_PASSWORD": "x1234"}, {"SOMETHING": HF}, {"URL": f"postgres://u:{URI_PASSWORD}@db/x"}):
                r = await s.call_tool("run_custom_training", {"func": "def train():\n    pass\n", "env": env})
                assert r.is_error, r.content[0].text
                text = r.content[0].text
                assert "looks like a credential" in text and '{"secret": ' in text and "setup_hf_credentials" in text
            r = await s.call_tool("run_container_job", {"image": "busybox", "env": {"A": {"secret": "Bad Name", "key": "k"}}})
            assert r.is_error and "Secret name" in r.content[0].text
    run(body)


def test_setup_hf_credentials_names_its_secret():
    async def body():
        async with session("--sim") as s:
            r = await s.call_tool("setup_hf_credentials", {"token": HF, "secret_name": "team-hf"})
            assert not r.is_error and r.structured_content["secret_name"] == "team-hf"
            assert '"team-hf"' in r.content[0].text and "[REDACTED]" not in r.content[0].text
            r = await s.call_tool("setup_hf_credentials", {"token": HF, "secret_name": "team-hf"})
            assert r.is_error and "overwrite" in r.content[0].text
            r = await s.call_tool("setup_hf_credentials", {"token": HF, "secret_name": "team-hf", "overwrite": True})
            assert r.structured_content["preview"] is True and "confirmation_token" in r.structured_content
    run(body)


def test_gated_model_flow():
    gated = {"model": "meta-llama/Llama-3.2-1B-Instruct", "dataset": "tatsu-lab/alpaca"}

    async def body():
        async with session("--sim") as s:
            r = await confirmed_call(s, "fine_tune", gated)
            assert r.is_error and "Pre-flight" in r.content[0].text and "setup_hf_credentials" in r.content[0].text
            r = await confirmed_call(s, "fine_tune", {**gated, "hf_token_secret": "nope"})
            assert r.is_error and "nope" in r.content[0].text, r.content[0].text
            assert not (await s.call_tool("setup_hf_credentials", {"token": HF})).is_error
            r = await confirmed_call(s, "fine_tune", gated)
            assert not r.is_error, r.content[0].text
            spec = (await s.call_tool("get_job_spec", {"job_id": r.structured_content["job_id"]})).structured_content
            model_env = spec["object"]["spec"]["initializer"]["model"]["env"]
            assert {"name": "ACCESS_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf-token", "key": "token"}}} in model_env
    run(body)
