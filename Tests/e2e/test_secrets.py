"""Secrets that stay secret (issues 11 and 25): planted credentials of every
class, through every vehicle (tool and argument names, wrong-typed values,
runtimes, TrainJob specs and annotations, container logs and their tails,
JSON-RPC method names, levels and ids, plugin results, log lines, progress and
errors, experiment search spaces, Last-Event-ID), read back from every output
channel of the built server over stdio and HTTP: counted, and scanned by an
independent oracle (detect-secrets); credentials in env only by Secret
reference; the gated-model flow on the simulator."""
import base64
import json
import random

import pytest
import shutil
import string
import subprocess
import urllib.error
import urllib.request

import mcp_types as types

from conftest import BUILD, ROOT, compile_c_plugin, plugin_dir
from http_support import http_server, http_session
from mcp_client import confirmed_call, run, session
from secret_oracle import findings, kinds

HF = "hf_PLANTEDsecretTOKEN1234567890abcdef"
AWS_ID = "AKIAPLANTED0000001XY"
AWS_SECRET = "wJalrXUtnFEMIK7MDENGbPxRfiCYPLANTEDKEY01"
BEARER = "eyJhbGciOiJQTEFOVEVEIn0.plantedbearer.sig0123"
PEM_BODY = ["MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCplantedPEMline1",
            "Kx9PLANTEDpemLINE2bodyAAAAB3NzaC1yc2EAAAADAQABAAABAQC7vbqajDhA"]
PEM = "\n".join(["-----BEGIN PRIVATE KEY-----", *PEM_BODY, "-----END PRIVATE KEY-----"])
PGP_BODY = ["lQOYBF1PLANTEDpgpLINE1bodyAQgAx7Zq9Kk2Vb7Nc1Mp4RtYhGfDsAaQwErTyUi", "=Pq7Z"]
PGP = "\n".join(["-----BEGIN PGP PRIVATE KEY BLOCK-----", "", *PGP_BODY, "-----END PGP PRIVATE KEY BLOCK-----"])
URI_PASSWORD = "s3cr3tPLANTEDpw"
ENV_PASSWORD = "dbPLANTEDpassword42"
SECRET_DATA = base64.b64encode(b"plantedSecretDataValue").decode()
KUBECONFIG_TOKEN = "kfsim-admin-token"

# Issue 25: one secret of each class, in the shape it is written in, and the part of it that must never come back.
CLASSES = [
    ("AWS key id", "id ASIAY34FZKBPLANTED7A here", "ASIAY34FZKBPLANTED7A"),
    ("AWS secret key", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiPLANTED1", "wJalrXUtnFEMI/K7MDENG"),
    ("GCP service account key id", '"private_key_id": "1f2e3d4c5b6aPLANTED81f2e3d4c5b6a798811"', "1f2e3d4c5b6aPLANTED"),
    ("Azure storage key", "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + "Zm9vYmFyYmF6UExBTlRFRA" * 4
     + "==;EndpointSuffix=core.windows.net", "Zm9vYmFyYmF6UExBTlRFRA"),
    ("Azure service bus", "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;"
     "SharedAccessKey=c2VjcmV0UExBTlRFRDEyMzQ1Njc4OTA=", "c2VjcmV0UExBTlRFRDEy"),
    ("Hugging Face", f"token {HF}", HF),
    ("GitHub classic", "ghp_wWPw5k4aXcaT4fNP0UcPLANTEDpINUxab123", "ghp_wWPw5k4aXcaT4fNP0Uc"),
    ("GitHub fine-grained", "github_pat_11ABCDEFG0PLANTED789_abcdefghijklmnopqrstuvwxyzABCDEF", "github_pat_11ABCDEFG0PLANTED"),
    ("GitLab", "glpat-xZ3QPLANTEDb7Nc1Mp4Rt", "glpat-xZ3QPLANTED"),
    ("Slack token", "xoxb-123456789012-1234567890123-PLANTEDfGhIjKlMnOpQrStUvWx", "PLANTEDfGhIjKlMnOp"),
    ("Slack webhook", "https://hooks.slack.com/services/T0000AAAA/B0000BBBB/PLANTEDXXXXXXXXXXXXXXXXX", "PLANTEDXXXXXXXX"),
    ("OpenAI", "sk-proj-Ab3dEf6hPLANTED5qRs8tUv1wXy4zAb7c", "Ab3dEf6hPLANTED"),
    ("OpenAI legacy", "sk-Ab3dEf6hIj9kLm2nOp5qT3BlbkFJAb3dEf6hIj9kPLANTED", "T3BlbkFJAb3dEf6hIj9kPLANTED"),
    ("Anthropic", "sk-ant-api03-Ab3dEf6hPLANTED5qRs8tUv1wXy4z-AA", "Ab3dEf6hPLANTED5qRs"),
    ("Google API key", "key AIzaSyA1b2C3d4E5PLANTED0K1l2M3n4O5p6Qr7", "AIzaSyA1b2C3d4E5PLANTED"),
    ("JWT", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJQTEFOVEVEIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk", "eyJzdWIiOiJQTEFOVEVEIn0"),
    ("bearer", f"Authorization: Bearer {BEARER}", BEARER),
    ("basic auth", "Authorization: Basic dXNlcjpQTEFOVEVEcGFzcw==", "dXNlcjpQTEFOVEVEcGFzcw"),
    ("kubeconfig client-key-data", "    client-key-data: LS0tLS1CRUdJTiBQTEFOVEVEIEtFWS0tLS0tCg==", "LS0tLS1CRUdJTiBQTEFOVEVE"),
    ("kubeconfig token", f"    token: {KUBECONFIG_TOKEN}", KUBECONFIG_TOKEN),
    ("URI password", f"s3://minio:{URI_PASSWORD}@bucket/data", URI_PASSWORD),
    ("URI, empty user", "redis://:r3disPLANTEDpw@cache:6379/0", "r3disPLANTEDpw"),
    ("URI, '/' in password", "s3://AKIDEXAMPLE:wJal/PLANTED+nFE@bucket/data", "wJal/PLANTED"),
    ("URI, '@' in password", "postgres://app:p@ssPLANTED@db/x", "ssPLANTED"),
    ("URI, escaped", "mysql://root:p%40ssPLANTED%2Fw0rd@db/x", "p%40ssPLANTED"),
    ("secret key", '{"secret": "s3cr3tPLANTEDvalue"}', "s3cr3tPLANTEDvalue"),
    ("password list", '{"password": ["firstPLANTEDpw1", "secondPLANTEDpw2"]}', "firstPLANTEDpw1"),
    ("env pair", '{"name": "MY_SECRET", "value": "v4lu3PLANTEDs3cr3t"}', "v4lu3PLANTEDs3cr3t"),
    ("dockerconfigjson auth", '{"auths": {"ghcr.io": {"auth": "dXNlcjpQTEFOVEVEZG9ja2Vy"}}}', "dXNlcjpQTEFOVEVEZG9ja2Vy"),
    ("connection string", "Server=db;Database=app;User Id=sa;Password=Pa55PLANTEDw0rd!;", "Pa55PLANTEDw0rd"),
]

# The classes a value is known by whatever it is called.
SHAPED = {"AWS key id", "Hugging Face", "GitHub classic", "GitHub fine-grained", "GitLab", "Slack token", "OpenAI",
          "OpenAI legacy", "Anthropic", "Google API key", "bearer", "URI password"}

PLANTED = {"hf_ token": HF, "AWS key id": AWS_ID, "AWS secret key": AWS_SECRET, "bearer token": BEARER,
           "PEM line 1": PEM_BODY[0], "PEM line 2": PEM_BODY[1], "PGP line": PGP_BODY[0], "URI password": URI_PASSWORD,
           "env pair value": ENV_PASSWORD, "Secret data (base64)": SECRET_DATA, "kubeconfig token": KUBECONFIG_TOKEN,
           **{what: core for what, _, core in CLASSES}}

# Everything a careless plugin could hand back, in one payload.
PAYLOAD = {
    "note": f"token {HF} and key {AWS_ID}",
    "config": f"aws_secret_access_key = {AWS_SECRET}\nAuthorization: Bearer {BEARER}",
    "key": PEM,
    "pgp": PGP,
    "uri": f"s3://minio:{URI_PASSWORD}@bucket/data",
    "env": [{"name": "DB_PASSWORD", "value": ENV_PASSWORD}, {"name": "LEVEL", "value": "1"}],
    "yaml": f"env:\n- name: DB_PASSWORD\n  value: {ENV_PASSWORD}\n",
    "secret": {"kind": "Secret", "metadata": {"name": "s"}, "data": {"k": SECRET_DATA}},
    "classes": {what: shape for what, shape, _ in CLASSES},
    "shapes": [json.loads(shape) for _, shape, _ in CLASSES if shape.startswith("{")],
    "deep": {"a": [{"b": {"secret": "s3cr3tPLANTEDvalue", "password": ["firstPLANTEDpw1", {"x": "secondPLANTEDpw2"}]}}],
             "env": [{"name": "MY_SECRET", "value": ["v4lu3PLANTEDs3cr3t"]}]},
}


def c_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def leaky_plugin(tmp_path):
    """A C plugin that logs a PEM and a PGP key one line per log call and per
    progress message, and every class in a log line, and answers with whatever
    it is given, or with an error full of secrets."""
    key_lines = PEM.split("\n") + PGP.split("\n")
    lines = ", ".join(c_string(line) for line in key_lines)
    class_lines = ", ".join(c_string(shape) for _, shape, _ in CLASSES)
    failure = json.dumps({"error": {"message": f"failed: {json.dumps(PAYLOAD)}"}})
    source = tmp_path / "leaky.c"
    source.write_text(f"""
#include "kfmcp_plugin.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static const kfmcp_host_v1 *g_host;
static const char *keys[] = {{{lines}}};
static const char *classes[] = {{{class_lines}}};
static int32_t invoke(const char *tool, const char *json_in, kfmcp_call *call, char **json_out) {{
    for (unsigned i = 0; i < sizeof keys / sizeof keys[0]; i++) {{
        g_host->log(g_host, KFMCP_LOG_WARNING, keys[i]);
        g_host->progress(g_host, call, -1, keys[i]);
    }}
    for (unsigned i = 0; i < sizeof classes / sizeof classes[0]; i++) {{
        g_host->log(g_host, KFMCP_LOG_WARNING, classes[i]);
        g_host->progress(g_host, call, -1, classes[i]);
    }}
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
      .description = {c_string(f"Echoes its payload. Calls the hub with {HF}.")}, .category = "discovery", .input_schema = SCHEMA}},
    {{.struct_size = sizeof(kfmcp_tool_v1), .risk = KFMCP_RISK_READ_ONLY, .name = "leaky_fail", .title = "Fail",
      .description = "Fails.", .category = "discovery", .input_schema = SCHEMA}},
}};
static const kfmcp_manifest_v1 manifest = {{
    .struct_size = sizeof(kfmcp_manifest_v1), .abi_major = KFMCP_ABI_MAJOR, .abi_minor = KFMCP_ABI_MINOR,
    .plugin_id = "leaky", .plugin_version = "1.0.0", .built_with = "cc", .description = "Test plugin: leaks.",
    .tools = tools, .tool_count = 2, .invoke = invoke, .free_result = free_result,
    .instructions = {c_string(f"Call leaky_echo first; it reads s3://minio:{URI_PASSWORD}@bucket/data.")},
}};
__attribute__((visibility("default")))
const kfmcp_manifest_v1 *kfmcp_plugin_entry_v1(const kfmcp_host_v1 *host) {{ g_host = host; return &manifest; }}
""")
    d = plugin_dir(tmp_path, "leaky")
    compile_c_plugin(source, d / "libleaky.so")
    compile_c_plugin(ROOT / "Tests" / "CPlugins" / "k8s_probe.c", d / "libk8s_probe.so")
    return d


# A training function whose prints are the container's log lines: every class, and a key one line a print.
TRAIN_FN = "def train():\n" + "".join(f"    print({json.dumps(line)})\n"
                                      for line in [shape for _, shape, _ in CLASSES] + PEM.split("\n") + PGP.split("\n") + ["done"])

TRAINJOB_WITH_SECRETS = {
    "apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "TrainJob",
    "metadata": {"name": "planted-job", "namespace": "default",
                 "annotations": {f"planted.example.com/c{i}": shape for i, (_, shape, _) in enumerate(CLASSES)}},
    "spec": {"runtimeRef": {"name": "torch-distributed"},
             "trainer": {"image": "ghcr.io/myorg/trainer:v1", "numNodes": 1,
                         "command": ["python", "-c", "\n".join(shape for _, shape, _ in CLASSES)],
                         "env": [{"name": "MY_SECRET", "value": "v4lu3PLANTEDs3cr3t"},
                                 {"name": "DB_PASSWORD", "value": ENV_PASSWORD}]}},
}


def assert_no_leaks(channels, tmp_path, capsys, title):
    """Every planted secret counted in every channel, and the scanner's findings there: both must be none."""
    leaks = {(channel, what): sum(text.count(secret) for text in texts)
             for channel, texts in channels.items() for what, secret in PLANTED.items()}
    scanner = findings(channels, tmp_path)
    with capsys.disabled():
        print(f"\n{title}: planted secrets: {len(PLANTED)} kinds x {len(channels)} channels")
        for channel, texts in channels.items():
            found = {what: n for (c, what), n in leaks.items() if c == channel and n}
            print(f"  {channel:28} {sum(len(t) for t in texts):8} chars  leaks: {sum(found.values())} {found or ''}"
                  f"  detect-secrets: {len(scanner.get(channel, []))}")
        print(f"  total leaks: {sum(leaks.values())}, detect-secrets findings: {sum(map(len, scanner.values()))}")
    assert sum(leaks.values()) == 0, {k: n for k, n in leaks.items() if n}
    assert not scanner, scanner


def test_planted_secrets_leak_through_no_channel(tmp_path, standalone_sim, capsys):
    kubeconfig = str(standalone_sim.kubeconfig)
    manifest = tmp_path / "secret.json"
    manifest.write_text(json.dumps({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                                    "metadata": {"name": "planted", "namespace": "default"}, "data": {"k": SECRET_DATA}}))
    subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "create", "--validate=false", "-f", str(manifest)],
                   check=True, capture_output=True)
    job_manifest = tmp_path / "job.json"
    job_manifest.write_text(json.dumps(TRAINJOB_WITH_SECRETS))
    subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "create", "--validate=false", "-f", str(job_manifest)],
                   check=True, capture_output=True)
    audit, stderr_file = tmp_path / "audit.log", tmp_path / "stderr.log"
    channels = {"results": [], "structuredContent": [], "errors": [], "progress notifications": [],
                "MCP log notifications": [], "container logs": [], "container log tails": [],
                "tools/list and instructions": []}

    async def on_log(params: types.LoggingMessageNotificationParams):
        channels["MCP log notifications"].append(json.dumps(params.data))
        channels["MCP log notifications"].append(str(params.data))

    async def on_progress(progress, total, message):
        channels["progress notifications"].append(message or "")

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
            # A plugin's own texts: tool descriptions and instructions.
            listed = await s.list_tools()
            channels["tools/list and instructions"] += [json.dumps([t.model_dump(mode="json") for t in listed.tools]),
                                                        s.init_result.instructions or ""]
            assert "leaky" in channels["tools/list and instructions"][1] and "[REDACTED]" in channels["tools/list and instructions"][0]
            # Plugin results, log lines, progress and errors.
            keep(await s.call_tool("leaky_echo", {"payload": PAYLOAD}, progress_callback=on_progress))
            keep(await s.call_tool("leaky_fail", {"payload": {}}, progress_callback=on_progress))
            keep(await s.call_tool("k8s_probe", {"method": "GET", "path": "/api/v1/namespaces/default/secrets/planted"}))
            keep(await s.call_tool("k8s_probe", {"method": "GET", "path": "/api/v1/namespaces/default/secrets"}))
            # The host's own errors quote what the caller sent: tool and argument names, wrong-typed values.
            keep(await s.call_tool(HF, {}))
            keep(await s.call_tool("leaky_echo", {HF: 1, f"password={URI_PASSWORD}": 2}))
            for _, shape, _ in CLASSES:
                keep(await s.call_tool(shape, {shape: 1}))
            keep(await s.call_tool("leaky_echo", {shape: 1 for _, shape, _ in CLASSES}))
            keep(await s.call_tool("leaky_echo", {"payload": "\n".join(shape for _, shape, _ in CLASSES)}))
            keep(await s.call_tool("get_training_job", {"job_id": HF}))
            keep(await s.call_tool("get_training_job", {"job_id": {"password": [URI_PASSWORD]}}))
            # Runtimes.
            for _, shape, _ in CLASSES[:6]:
                keep(await s.call_tool("get_runtime_spec", {"name": shape}))
                keep(await s.call_tool("run_custom_training", {"func": "def train():\n    pass\n", "runtime": shape}))
            # A TrainJob whose spec and annotations hold secrets.
            keep(await s.call_tool("get_training_job", {"job_id": "planted-job"}))
            keep(await s.call_tool("get_job_spec", {"job_id": "planted-job"}))
            keep(await s.call_tool("list_training_jobs", {}))
            # Experiment search spaces.
            keep(await s.call_tool("create_experiment", {
                "trial_template": {"tool": "run_custom_training", "arguments": {"func": "def train():\n    pass\n"}},
                "search_space": {shape: {"choice": [shape]} for _, shape, _ in CLASSES[:8]}, "dry_run": True}))
            keep(await s.call_tool("create_experiment", {
                "trial_template": {"tool": "run_custom_training", "arguments": {"func": "def train():\n    pass\n"}},
                "search_space": {"lr": {"choice": [shape for _, shape, _ in CLASSES]}}, "dry_run": True}))
            keep(await s.call_tool("fine_tune", {"model": "Qwen/Qwen2.5-1.5B-Instruct",
                                                 "dataset": f"s3://minio:{URI_PASSWORD}@bucket/data"}))
            # Values refused as credentials: not in the error, the preview or the audit line.
            keep(await s.call_tool("run_container_job", {"image": "busybox", "env": {"DB_PASSWORD": ENV_PASSWORD}}))
            keep(await s.call_tool("run_container_job", {"image": "busybox", "env": {"X": f"Bearer {BEARER}"}}))
            keep(await s.call_tool("run_container_job", {"image": "busybox", "env": {"MY_SECRET": "v4lu3PLANTEDs3cr3t"}}))
            for what, shape, _ in CLASSES:
                if what in SHAPED:  # refused by its shape alone, under a name that says nothing
                    keep(await s.call_tool("run_container_job", {"image": "busybox", "env": {"V": shape}}))
            keep(await s.call_tool("setup_hf_credentials", {"token": HF}))
            # A credential in an image tag shows up in the container's "Image …" log line.
            job = keep(await confirmed_call(s, "run_container_job", {"image": f"ghcr.io/org/trainer:{HF}-{AWS_ID}"}))
            job_id = job.structured_content["job_id"]
            await s.call_tool("wait_for_completion", {"job_id": job_id, "timeout_seconds": 120})
            logs = keep(await s.call_tool("get_training_logs", {"job_id": job_id}), "container logs")
            assert "Image" in logs.content[0].text and "[REDACTED]" in logs.content[0].text, logs.content[0].text
            # Container logs that print every class and keys, then tails cut inside the keys.
            job = keep(await confirmed_call(s, "run_custom_training", {"func": TRAIN_FN}))
            job_id = job.structured_content["job_id"]
            await s.call_tool("wait_for_completion", {"job_id": job_id, "timeout_seconds": 120})
            logs = keep(await s.call_tool("get_training_logs", {"job_id": job_id, "tail_lines": 100_000}), "container logs")
            lines = logs.content[0].text.split("\n")
            begins = [i for i, line in enumerate(lines) if line == "[REDACTED]"]
            assert begins, logs.content[0].text
            for start in begins:
                keep(await s.call_tool("get_training_logs", {"job_id": job_id, "tail_lines": len(lines) - start - 1}),
                     "container log tails")
    run(body)
    channels["audit file"] = [audit.read_text()]
    channels["stderr (debug)"] = [stderr_file.read_text()]
    channels["plugin logs"] = [line for line in stderr_file.read_text().splitlines() if "plugin leaky" in line]
    assert channels["plugin logs"] and channels["MCP log notifications"] and channels["container logs"]
    assert channels["progress notifications"] and channels["container log tails"]
    assert_no_leaks(channels, tmp_path, capsys, "stdio")
    # The credential did reach the cluster, where it belongs.
    stored = subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "get", "secret", "hf-token", "-o", "json"],
                            capture_output=True, text=True, check=True)
    assert base64.b64decode(json.loads(stored.stdout)["data"]["token"]).decode() == HF


def test_client_input_echoed_in_protocol_errors_is_redacted(tmp_path, capsys):
    """JSON-RPC method names, log levels and ids over stdio; the same and Last-Event-ID over HTTP."""
    shapes = [shape for _, shape, _ in CLASSES] + [PEM]
    init = {"jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}
    messages = [init, {"jsonrpc": "2.0", "method": "notifications/initialized"}]
    for i, shape in enumerate(shapes):
        messages += [{"jsonrpc": "2.0", "id": i + 1, "method": shape},
                     {"jsonrpc": "2.0", "id": f"{shape}", "method": shape},
                     {"jsonrpc": "2.0", "id": 1000 + i, "method": "logging/setLevel", "params": {"level": shape}},
                     {"jsonrpc": "2.0", "id": 2000 + i, "method": "tools/call", "params": {"name": shape, "arguments": {}}}]
    stderr_file = tmp_path / "stderr.log"
    with open(stderr_file, "w") as err:
        out = subprocess.run([str(BUILD / "kubeflow-mcp"), "serve", "--sim", "--log-level", "debug"],
                             input="".join(json.dumps(m) + "\n" for m in messages), text=True, stdout=subprocess.PIPE,
                             stderr=err, timeout=120).stdout
    replies = [json.loads(line) for line in out.splitlines()]
    errors = [json.dumps(r) for r in replies if "error" in r]
    assert len(errors) >= 3 * len(shapes), out[:2000]
    channels = {"stdio JSON-RPC errors": errors, "stdio replies": [out], "stdio stderr": [stderr_file.read_text()]}

    with http_server(tmp_path, "--log-level", "debug") as server:
        base = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}

        def request(method, body=None, headers=None):
            r = urllib.request.Request(server.url, data=json.dumps(body).encode() if body else None, method=method,
                                       headers={**base, **(headers or {})})
            try:
                with urllib.request.urlopen(r, timeout=30) as answer:
                    return answer.status, dict(answer.headers), answer.read(65536).decode()
            except urllib.error.HTTPError as e:
                return e.code, dict(e.headers), e.read().decode()

        status, headers, answer = request("POST", init)
        session_id = {k.lower(): v for k, v in headers.items()}.get("mcp-session-id")
        assert status == 200 and session_id, (status, headers, answer)
        request("POST", {"jsonrpc": "2.0", "method": "notifications/initialized"}, {"Mcp-Session-Id": session_id})
        bodies = []
        for i, shape in enumerate(shapes):
            one_line = shape.replace("\n", " ")
            bodies.append(request("GET", headers={"Mcp-Session-Id": session_id, "Last-Event-ID": one_line})[2])
            bodies.append(request("POST", {"jsonrpc": "2.0", "id": i + 1, "method": shape}, {"Mcp-Session-Id": session_id})[2])
            bodies.append(request("POST", {"jsonrpc": "2.0", "id": shape, "method": "logging/setLevel",
                                           "params": {"level": shape}}, {"Mcp-Session-Id": session_id})[2])
            bodies.append(request("POST", {"jsonrpc": "2.0", "id": 3000 + i, "method": "tools/call",
                                           "params": {"name": shape, "arguments": {shape: shape}}}, {"Mcp-Session-Id": session_id})[2])
        assert any("Last-Event-ID" in b for b in bodies), bodies[:3]
        channels["HTTP bodies"] = bodies
    channels["HTTP stderr"] = [server.stderr()]
    channels["HTTP audit"] = [server.audit.read_text()]
    assert_no_leaks(channels, tmp_path, capsys, "protocol errors")


def test_planted_secrets_over_http(tmp_path, capsys):
    """Plugin results, log lines, progress and errors, and the host's errors, over Streamable HTTP."""
    channels = {"HTTP results": [], "HTTP structuredContent": [], "HTTP errors": [], "HTTP progress": [],
                "HTTP log notifications": []}

    async def on_log(params: types.LoggingMessageNotificationParams):
        channels["HTTP log notifications"].append(json.dumps(params.data))

    async def on_progress(progress, total, message):
        channels["HTTP progress"].append(message or "")

    def keep(result):
        channels["HTTP errors" if result.is_error else "HTTP results"] += [c.text for c in result.content if hasattr(c, "text")]
        channels["HTTP structuredContent"].append(json.dumps(result.structured_content))
        return result

    with http_server(tmp_path, "--plugins-dir", str(leaky_plugin(tmp_path)), "--log-level", "debug") as server:
        async def body():
            async with http_session(server.url, None, logging_callback=on_log) as s:
                await s.set_logging_level("debug")
                keep(await s.call_tool("leaky_echo", {"payload": PAYLOAD}, progress_callback=on_progress))
                keep(await s.call_tool("leaky_fail", {"payload": {}}, progress_callback=on_progress))
                for _, shape, _ in CLASSES:
                    keep(await s.call_tool(shape, {shape: 1}))
                keep(await s.call_tool("leaky_echo", {"payload": "\n".join(shape for _, shape, _ in CLASSES)}))
                keep(await s.call_tool("run_container_job", {"image": "busybox", "env": {"MY_SECRET": "v4lu3PLANTEDs3cr3t"}}))
        run(body)
        channels["HTTP stderr"] = [server.stderr()]
        channels["HTTP audit"] = [server.audit.read_text()]
    assert channels["HTTP progress"] and channels["HTTP log notifications"]
    assert_no_leaks(channels, tmp_path, capsys, "HTTP")


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
            for env in ({"DB_PASSWORD": "x1234"}, {"SOMETHING": HF}, {"URL": f"postgres://u:{URI_PASSWORD}@db/x"},
                        {"GH": "ghp_" + "a1B2" * 9}, {"OAI": "sk-proj-" + "a1B2" * 5}, {"SLACK": "xoxb-1234567890"},
                        {"GL": "glpat-" + "a1B2" * 5}, {"G": "AIza" + "a1B2c" * 7}):
                r = await s.call_tool("run_custom_training", {"func": "def train():\n    pass\n", "env": env})
                assert r.is_error, r.content[0].text
                text = r.content[0].text
                assert "looks like a credential" in text and '{"secret": ' in text and "setup_hf_credentials" in text
                # The value is never quoted, and the host's words about it come back as written (nothing to mask).
                assert "[REDACTED]" not in text and "a HuggingFace token: call setup_hf_credentials" in text, text
                assert '{"secret": "hf-token", "key": "token"}' in text and '{"secret": "<Secret name>", "key": "<key>"}' in text
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


def random_samples(rng: random.Random) -> list[tuple[str, str, bool]]:
    """(detect-secrets' type, one line, whether it is shaped as that class): random secret-shaped text of the
    classes both our redactor and the scanner claim, and near misses both must leave alone."""
    def chars(alphabet, n):
        return "".join(rng.choice(alphabet) for _ in range(n))
    upper_digits, alnum = string.ascii_uppercase + string.digits, string.ascii_letters + string.digits

    def b64url(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    samples = []
    for _ in range(20):
        prefix = rng.choice(["AKIA", "ASIA", "ABIA", "ACCA", "A3T" + chars(upper_digits, 1)])
        samples += [("AWS Access Key", f"key {prefix}{chars(upper_digits, 16)} here", True),
                    ("AWS Access Key", f"key {prefix}{chars(upper_digits, 15)} here", False)]
        gh = rng.choice("pousr")
        samples += [("GitHub Token", f"token gh{gh}_{chars(alnum + '_', 36)}", True),
                    ("GitHub Token", f"token gh{gh}_{chars(alnum + '_', 35)}", False)]
        lab = rng.choice(["glpat", "gldt", "glft", "glsoat", "glrt"])
        samples += [("GitLab Token", f"token {lab}-{chars(alnum + '_-', rng.randint(20, 50))} end", True),
                    ("GitLab Token", f"token {lab}-{chars(alnum + '_-', 19)} end", False)]
        samples += [("Slack Token", f"xox{rng.choice('abposr')}-{chars(string.digits, rng.randint(10, 12))}-"
                                    f"{chars(string.digits, 12)}-{chars(string.ascii_lowercase + string.digits, 24)}", True),
                    ("Slack Token", f"xox{rng.choice('abposr')}-{chars(string.ascii_lowercase, 6)}", False)]
        claims = {"sub": chars(alnum, rng.randint(4, 12)), "iat": rng.randint(1, 2**31)}
        samples += [("JSON Web Token", f"jwt {b64url({'alg': 'HS256', 'typ': 'JWT'})}.{b64url(claims)}.{chars(alnum + '_-', 43)}", True),
                    ("JSON Web Token", f"jwt eyJ{chars(alnum, 3)}.{chars(alnum, 3)}", False)]
        label = rng.choice(["", "RSA ", "EC ", "DSA ", "OPENSSH ", "PGP "])
        block = " BLOCK" if label == "PGP " else ""
        samples += [("Private Key", f"-----BEGIN {label}PRIVATE KEY{block}-----", True),
                    ("Private Key", f"-----BEGIN {rng.choice(['CERTIFICATE', 'PUBLIC KEY', 'RSA PUBLIC KEY'])}-----", False)]
        scheme = rng.choice(["https", "postgres", "redis", "s3", "mongodb+srv"])
        # The scanner takes no reserved character (RFC 3986) in a password; we do ('/', '@'): those are ours alone.
        samples += [("Basic Auth Credentials", f"{scheme}://{chars(string.ascii_lowercase, 5)}:{chars(alnum + '%-._~', rng.randint(6, 20))}@host.example/x", True),
                    ("Basic Auth Credentials", f"{scheme}://host.example:{rng.randint(1, 65535)}/{chars(alnum, 8)}", False)]
        samples += [("Azure Storage Account access key", f"AccountName=a;AccountKey={chars(alnum + '+/', 86)}==;", True)]
        samples += [("OpenAI Token", f"sk-{chars(alnum, 20)}T3BlbkFJ{chars(alnum, 20)}", True),
                    ("OpenAI Token", f"sk-{chars(alnum, 5)}", False)]
        samples += [("Secret Keyword", f'"{rng.choice(["password", "api_key", "secret", "passwd", "private_key"])}": "{chars(alnum, rng.randint(8, 24))}"', True)]
    return samples


@pytest.mark.parametrize("seed", [20261206, 7])  # fixed: a CI run is the run on a laptop
def test_our_matcher_answers_as_the_scanner_does(tmp_path, seed):
    """On random secret-shaped lines of the classes both claim, the built server masks a line exactly when
    detect-secrets finds that class in it (through a plugin's result, as any text leaves)."""
    samples = random_samples(random.Random(seed))

    async def body():
        async with session("--sim", "--plugins-dir", str(leaky_plugin(tmp_path))) as s:
            # One object a line: a list of plain strings is read as one log, where a BEGIN line masks what follows.
            r = await s.call_tool("leaky_echo", {"payload": {"lines": [{"line": line} for _, line, _ in samples]}})
            return [item["line"] for item in r.structured_content["payload"]["lines"]]
    echoed = run(body)
    disagreements = []
    for (kind, line, shaped), back in zip(samples, echoed):
        ours, theirs = back != line, kind in kinds(line)
        if ours != theirs or ours != shaped:
            disagreements.append((kind, line, back, f"ours={ours} scanner={theirs} shaped={shaped}"))
    assert not disagreements, f"seed {seed}: {disagreements[:5]}"
