"""The Model Registry plugin end to end: the built binary with the plugin loaded
by dlopen, the official MCP client, a standalone simulator serving the Model
Registry REST API v1alpha3 behind the service proxy of kubeflow/model-registry-service
(and directly on its own port), and the real SDK's ModelRegistryClient
(kubeflow[hub]==0.5.0) as the witness:

- a model registered by register_model (previewed, confirmed) is read back by the
  SDK with the same version, URI and metadata;
- a model the SDK registers is listed and read by our tools;
- update_model_version archives a version, as the SDK then sees it;
- a completed TrainJob registers with just its job_id (URI from its checkpoint on a PVC);
- our records equal the SDK's for the same registration;
- hostile names never reach a request; readonly may list, not register; RBAC on
  services/proxy governs the route; `doctor` names the registry and says it answers."""
import functools
import json
import shutil
import urllib.request
import warnings

import pytest

from conftest import BUILD, StandaloneSim, plugin_dir, run_cli
from mcp_client import run, session
from trainer_support import FAST, sim_server

REGISTRY = ("libkfmcp-registry.so", "libkfmcp-trainer.so", "libkfmcp-torchtune.so")
READONLY_TOKEN = "kfsim-read-only-token"


@pytest.fixture
def sim(tmp_path):
    s = StandaloneSim(tmp_path, "--time-scale", "300")
    yield s
    s.stop()


def sdk_client(sim):
    from kubeflow.hub import ModelRegistryClient
    host, port = sim.url.rsplit(":", 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "User access token is missing": the simulator's registry port is open
        return ModelRegistryClient(host, int(port), author="sdk-user", is_secure=host.startswith("https"))


def registry_get(sim, path):
    with urllib.request.urlopen(f"{sim.url}/api/model_registry/v1alpha3/{path}") as r:
        return json.loads(r.read())


def test_our_registration_is_read_back_by_the_sdk_and_the_sdks_by_our_tools(sim, tmp_path):
    metadata = {"base_model": "hf://Qwen/Qwen2.5-0.5B", "learning_rate": 0.0002, "lora_rank": 16, "lora": True}

    async def ours():
        async with sim_server(tmp_path, kubeconfig=sim.kubeconfig, libraries=REGISTRY) as server:
            preview = await server.preview("register_model", {
                "name": "qwen-ft", "version": "v1", "uri": "s3://models/qwen-ft/v1", "model_format_name": "pytorch",
                "model_format_version": "2.0", "version_description": "first", "metadata": metadata})
            planned = preview["result_of_dry_run"]
            assert planned["registered"] is False and planned["plan"]["uri"] == "s3://models/qwen-ft/v1"
            # The writes the preview shows (recorded by the host, never sent): model, version, artifact.
            posts = [(w["method"], w["path"].split("/proxy/api/model_registry/v1alpha3/")[1]) for w in preview["would_send"]]
            assert posts == [("POST", "registered_models"), ("POST", "model_versions"), ("POST", "model_versions/kfmcp-created-2/artifacts")]
            assert preview["would_send"][1]["body"]["customProperties"]["lora_rank"] == {
                "metadataType": "MetadataIntValue", "int_value": "16"}
            assert registry_get(sim, "registered_models")["size"] == 0  # the preview sent nothing
            done = await server.create("register_model", {
                "name": "qwen-ft", "version": "v1", "uri": "s3://models/qwen-ft/v1", "model_format_name": "pytorch",
                "model_format_version": "2.0", "version_description": "first", "metadata": metadata})
            assert done["registered"] is True and done["version"]["name"] == "v1"
            again = await server.error("register_model", {"name": "qwen-ft", "version": "v1", "uri": "s3://x/y"}, confirm=True)
            assert "already has a version v1" in again

    run(ours)
    client = sdk_client(sim)
    model = client.get_model("qwen-ft")
    version = client.get_model_version("qwen-ft", "v1")
    artifact = client.get_model_artifact("qwen-ft", "v1")
    assert model.name == "qwen-ft"
    assert version.name == "v1" and version.description == "first"
    assert version.custom_properties == metadata
    assert artifact.uri == "s3://models/qwen-ft/v1"
    assert artifact.model_format_name == "pytorch" and artifact.model_format_version == "2.0"

    client.register_model("sdk-model", "oci://registry.example.com/sdk-model:1", version="1.0.0",
                          model_format_name="onnx", model_format_version="1", version_description="by the SDK",
                          metadata={"accuracy": 0.93, "epochs": 3})

    (tmp_path / "second").mkdir()

    async def read_theirs():
        async with sim_server(tmp_path / "second", kubeconfig=sim.kubeconfig, libraries=REGISTRY) as server:
            listed = await server.ok("list_models", {})
            assert {m["name"] for m in listed["models"]} == {"qwen-ft", "sdk-model"}
            got = await server.ok("get_model", {"name": "sdk-model"})
            [v] = got["versions"]
            assert v["name"] == "1.0.0" and v["description"] == "by the SDK" and v["author"] == "sdk-user"
            assert v["metadata"] == {"accuracy": 0.93, "epochs": 3}
            assert v["artifacts"][0]["uri"] == "oci://registry.example.com/sdk-model:1"
            assert v["artifacts"][0]["model_format_name"] == "onnx"
            versions = await server.ok("list_model_versions", {"name": "sdk-model"})
            assert [x["name"] for x in versions["versions"]] == ["1.0.0"]
            archived = await server.create("update_model_version", {"name": "sdk-model", "version": "1.0.0",
                                                                     "state": "ARCHIVED", "metadata": {"note": "retired"}})
            assert archived["version"]["state"] == "ARCHIVED"
            # Redaction applies to metadata like to every result: a token never comes back.
            leaked = "hf_" + "k" * 34
            r = await server.call("update_model_version", {"name": "qwen-ft", "version": "v1",
                                                            "metadata": {"pasted": leaked}}, confirm=True)
            assert not r.is_error and leaked not in r.content[0].text and leaked not in json.dumps(r.structured_content)

    run(read_theirs)
    after = client.get_model_version("sdk-model", "1.0.0")
    assert str(after.state.value if hasattr(after.state, "value") else after.state).endswith("ARCHIVED")
    assert after.custom_properties == {"accuracy": 0.93, "epochs": 3, "note": "retired"}


def test_a_completed_job_registers_with_just_its_id(sim, tmp_path):
    async def body():
        async with sim_server(tmp_path, kubeconfig=sim.kubeconfig, libraries=REGISTRY) as server:
            job = await server.create("run_custom_training", {
                "func": "def train():\n    print('Saving model checkpoint to /mnt/out/checkpoint-120')\n",
                "runtime": "torch-distributed", "num_nodes": 1,
                "volumes": [{"name": "out", "persistentVolumeClaim": {"claimName": "ckpt"}}],
                "volume_mounts": [{"name": "out", "mountPath": "/mnt/out"}]})
            job_id = job["job_id"]
            await server.wait_status(job_id, "Complete", "Succeeded", timeout=60)
            done = await server.create("register_model", {"job_id": job_id})
            return job_id, done

    job_id, done = run(body)
    # Named after the job (a custom function has no base model), versioned by it.
    assert done["model"]["name"] == job_id and done["version"]["name"] == job_id
    meta = done["version"]["metadata"]
    # No final metrics: a stock v2.3.0 TrainJob has no trainerStatus (its feature gate is off).
    assert meta["origin_kind"] == "TrainJob" and meta["origin_job"] == job_id and "final_loss" not in meta
    assert meta["origin_owner"] == "admin" and meta["runtime"] == "torch-distributed"
    artifact = sdk_client(sim).get_model_artifact(job_id, job_id)
    assert artifact.uri.startswith("pvc://ckpt"), artifact.uri


def test_hostile_names_are_refused_and_readonly_only_reads(sim, tmp_path):
    async def hostile():
        async with sim_server(tmp_path, kubeconfig=sim.kubeconfig, libraries=REGISTRY) as server:
            mark = server.log_mark()
            for bad in ["../x", "x?y=1", "a//b", "x#y", "", "%2e%2e", "a b", "-x"]:
                r = await server.call("get_model", {"name": bad})
                assert r.is_error, bad
                r = await server.call("register_model", {"name": "ok", "version": bad, "uri": "s3://a/b"})
                assert r.is_error, bad
            assert server.requests_since(mark) == []

    run(hostile)
    readonly = sim.kubeconfig_for(tmp_path / "bob", READONLY_TOKEN)

    (tmp_path / "readonly").mkdir()

    async def as_readonly():
        async with sim_server(tmp_path / "readonly", FAST, "--persona", "readonly", kubeconfig=readonly, libraries=REGISTRY) as server:
            names = {t.name for t in (await server.session.list_tools()).tools}
            assert {"list_models", "get_model", "list_model_versions"} <= names
            assert "register_model" not in names and "update_model_version" not in names
            assert (await server.ok("list_models", {}))["count"] == 0

    run(as_readonly)


def test_our_records_equal_the_sdks_for_the_same_registration(sim, tmp_path):
    """register_model writes what ModelRegistryClient.register_model writes: the
    same model, version and artifact records, ids, times and names aside."""
    args = dict(uri="s3://models/same/v1", version="v1", model_format_name="pytorch", model_format_version="2.0",
                version_description="same call", author="sdk-user", owner="sdk-user",
                metadata={"base_model": "hf://Qwen/Qwen2.5-0.5B", "learning_rate": 0.0002, "lora_rank": 16, "lora": True})
    sdk_client(sim).register_model("by-sdk", **args)

    async def ours():
        async with sim_server(tmp_path, kubeconfig=sim.kubeconfig, libraries=REGISTRY) as server:
            await server.create("register_model", {"name": "by-tool", **args})
    run(ours)

    def records(name):
        model = registry_get(sim, f"registered_model?name={name}")
        version = registry_get(sim, f"model_version?name=v1&parentResourceId={model['id']}")
        [artifact] = registry_get(sim, f"model_versions/{version['id']}/artifacts")["items"]
        drop = {"id", "createTimeSinceEpoch", "lastUpdateTimeSinceEpoch", "registeredModelId"}
        clean = lambda r: {k: v for k, v in r.items() if k not in drop and k != "name"}
        return clean(model), clean(version), clean(artifact), artifact["name"]

    sdk, tool = records("by-sdk"), records("by-tool")
    assert tool[:3] == sdk[:3]
    assert (sdk[3], tool[3]) == ("by-sdk", "by-tool")  # the artifact is named after its model, as the SDK names it


def test_rbac_on_services_proxy_decides_who_registers(sim, tmp_path):
    """The route is the API server's: alice (create services/proxy in kubeflow) registers as a
    data-scientist; bob (get only) is refused by RBAC, with a sentence saying where it was decided."""
    alice = sim.kubeconfig_for(tmp_path / "alice.kubeconfig", "kfsim-data-scientist-token", namespace="ml-team-dev")
    bob = sim.kubeconfig_for(tmp_path / "bob.kubeconfig", READONLY_TOKEN)
    args = {"name": "alices-model", "version": "v1", "uri": "s3://models/alice/v1"}

    for who in ("alice", "bob"):
        (tmp_path / who).mkdir()

    async def as_alice():
        async with sim_server(tmp_path / "alice", FAST, "--persona", "data-scientist", kubeconfig=alice,
                              libraries=REGISTRY) as server:
            done = await server.create("register_model", args)
            assert done["model"]["owner"] == "alice" and done["version"]["author"] == "alice"

    async def as_bob():
        async with sim_server(tmp_path / "bob", FAST, "--persona", "data-scientist", kubeconfig=bob,
                              libraries=REGISTRY) as server:
            text = await server.error("register_model", {**args, "version": "v2"}, confirm=True)
            assert "services/proxy" in text and "kubeflow" in text, text
            assert (await server.ok("list_models", {}))["count"] == 1

    run(as_alice)
    run(as_bob)


def test_doctor_says_which_registry_and_whether_it_answers():
    out = run_cli("doctor", "--sim").stdout
    assert "✓ Model Registry at kubeflow/model-registry-service:8080 (api/model_registry/v1alpha3)" in out, out
    assert "answers (0 registered models)" in out


def test_a_cluster_without_the_registry_says_so(tmp_path):
    """No Service behind the route: every tool says the registry does not answer there (never
    "no such model"), and doctor's check fails naming it."""
    seed = tmp_path / "seed.yaml"
    seed.write_text("objects: []\n")  # the default cluster without the registry's Service
    (tmp_path / "sim").mkdir()
    sim = StandaloneSim(tmp_path / "sim", "--seed", str(seed))
    try:
        async def body():
            async with sim_server(tmp_path, kubeconfig=sim.kubeconfig, libraries=REGISTRY) as server:
                for tool, args in (("get_model", {"name": "nope"}), ("list_models", {})):
                    text = await server.error(tool, args)
                    assert "does not answer at kubeflow/model-registry-service:8080" in text and "not found" in text, text
                check = (await server.ok("list_models", {"doctor": True}))["checks"][0]
                assert check["ok"] is False and "model-registry-service" in check["text"]
        run(body)
    finally:
        sim.stop()


def test_a_registry_under_another_service_name_needs_the_policy_to_name_it(tmp_path):
    """The default policy names the registry's Service as its manifests install it. A registry
    configured under another name (plugins.d `config: {service: ...}`) is refused until the policy
    names that Service, and the refusal says which `subresources:` entry to add."""
    libs, conf = plugin_dir(tmp_path, "libs"), plugin_dir(tmp_path, "conf")
    shutil.copy(BUILD / "libkfmcp-registry.so", libs / "libkfmcp-registry.so")
    (conf / "registry.yaml").write_text(f"library: {libs}/libkfmcp-registry.so\nconfig:\n  service: my-registry:8080\n")
    policy = tmp_path / "policy.yaml"
    seen = {}

    async def body(*extra):
        async with session("--sim", "--no-default-plugins", "--plugins-dir", str(conf), *extra) as s:
            r = await s.call_tool("list_models", {})
            return r.content[0].text

    seen["default"] = run(body)
    policy.write_text("policy:\n  allow: [\"*\"]\n  subresources: [services/my-registry/proxy]\n")
    seen["named"] = run(functools.partial(body, "--policy", str(policy)))
    assert "does not allow subresource services/my-registry/proxy" in seen["default"], seen
    assert "adds services/my-registry/proxy under subresources:" in seen["default"], seen
    # Named: the request is sent; the simulator has no such Service, so the registry does not answer there.
    assert "does not allow subresource" not in seen["named"] and "my-registry" in seen["named"], seen
