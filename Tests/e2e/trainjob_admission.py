"""Kubeflow Trainer v2.3.0's TrainJob validating webhook, the rules our tools could break,
read from the upstream source (trainer-v2.3.0-src) and written small in Python as a second
opinion beside the simulator:

- webhooks/trainjob_webhook.go ValidateCreate → runtime.ValidateObjects: the runtime must exist;
- plugins/jobset/jobset.go Validate: spec.initializer.<role> needs the runtime's
  <role>-initializer job, its container of that name, and that container's `initializer`
  volume mount; runtime patches name only replicated jobs and containers of the runtime, set
  no env on the node and initializer containers, and are keyed by a domain-prefixed manager;
- plugins/torch/torch.go Validate: no torchrun-reserved env in spec.trainer.env, and for
  `tune run` torchtune.go validateTorchTune (supported model, numNodes, QLoRA GPUs, LoRA
  across nodes, immutable configs).

`denials(trainjob, runtime)` answers the webhook's reasons as "<field>: <detail>"; none means
admitted. It stands until the simulator enforces the ported rules (issue 23, TrainerRules);
then a creation the simulator answers with 201 already means admitted, and this stays a check
of the same thing."""
import re

TORCHRUN_RESERVED = {"PET_NNODES", "PET_NPROC_PER_NODE", "PET_NODE_RANK", "PET_MASTER_ADDR", "PET_MASTER_PORT"}
TORCHTUNE_MODELS = {"llama3_2/1B", "llama3_2/3B", "llama3_3/70B", "qwen2_5/1.5B"}
TORCHTUNE_IMMUTABLE = {"output_dir", "tokenizer.path", "checkpointer.checkpoint_dir", "tokenizer.merges_file"}
INITIALIZER_VOLUME = "initializer"


def _pod(job: dict) -> dict:
    return ((((job.get("template") or {}).get("spec") or {}).get("template") or {}).get("spec")) or {}


def _runtime_containers(runtime: dict) -> dict[str, set[str]]:
    jobs = runtime["spec"]["template"]["spec"]["replicatedJobs"]
    return {j["name"]: {c["name"] for c in _pod(j).get("initContainers", []) + _pod(j).get("containers", [])}
            for j in jobs}


def _initializer_denials(spec: dict, runtime: dict) -> list[str]:
    out = []
    names = _runtime_containers(runtime)
    jobs = {j["name"]: j for j in runtime["spec"]["template"]["spec"]["replicatedJobs"]}
    for role, config in (("dataset", "datasetConfig"), ("model", "modelConfig")):
        if (spec.get("initializer") or {}).get(role) is None:
            continue
        step = f"{role}-initializer"
        if step not in names:
            out.append(f"spec.runtimeRef: must have {step} job when trainJob is configured with input {config}")
        elif step not in names[step]:
            out.append(f"spec.runtimeRef: must have container with name - {step} in the {step} job")
        elif not any(m.get("name") == INITIALIZER_VOLUME
                     for c in _pod(jobs[step]).get("containers", []) if c["name"] == step
                     for m in c.get("volumeMounts", [])):
            out.append(f"spec.runtimeRef: must have volumeMount with name - {INITIALIZER_VOLUME} in container {step} of the {step} job")
    return out


_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def _patch_denials(spec: dict, runtime: dict) -> list[str]:
    out = []
    names = _runtime_containers(runtime)
    for patch in spec.get("runtimePatches", []):
        domain, _, path = patch.get("manager", "").partition("/")
        if not path or not _DNS1123_SUBDOMAIN.match(domain) or len(domain) > 253:
            out.append("spec.runtimePatches.manager: must be a domain-prefixed path (such as \"acme.io/foo\")")
        template = ((patch.get("trainingRuntimeSpec") or {}).get("template") or {}).get("spec") or {}
        for job in template.get("replicatedJobs", []):
            if job["name"] not in names:
                out.append("spec.runtimePatches: must not have replicated job that doesn't exist in the runtime job template")
                continue
            pod = _pod(job)
            for c in pod.get("initContainers", []):
                if c["name"] not in names[job["name"]]:
                    out.append(f"spec.runtimePatches: must not have initContainer that doesn't exist in the runtime job {job['name']}")
            for c in pod.get("containers", []):
                if c["name"] not in names[job["name"]]:
                    out.append(f"spec.runtimePatches: must not have container that doesn't exist in the runtime job {job['name']}")
                elif c.get("env") and c["name"] in ("dataset-initializer", "model-initializer", "node"):
                    out.append("spec.runtimePatches: must not have envs for the dataset-initializer, model-initializer, node containers")
    return out


def _gpus(resources: dict | None) -> int:
    """runtime.GetNumGPUPerNode: requests, else limits; any resource whose name holds "gpu"."""
    def count(resource_list):
        for name, q in (resource_list or {}).items():
            if "gpu" in name.lower():
                return int(float(q))
        return 0
    resources = resources or {}
    return count(resources.get("requests")) or count(resources.get("limits"))


def _runtime_node_resources(runtime: dict) -> dict | None:
    for job in runtime["spec"]["template"]["spec"]["replicatedJobs"]:
        labels = ((job.get("template") or {}).get("metadata") or {}).get("labels") or {}
        if job["name"] == "node" or labels.get("trainer.kubeflow.org/trainjob-ancestor-step") == "trainer":
            for c in _pod(job).get("containers", []):
                if c["name"] == "node" and "resources" in c:
                    return c["resources"]
    return None


def _bool_arg(args: list[str], item: str) -> bool:
    for a in args:
        name, sep, value = a.partition("=")
        if sep and item in name and value.strip().lower() == "true":
            return True
    return False


def _torchtune_denials(job: dict, runtime: dict) -> list[str]:
    out = []
    spec, trainer = job["spec"], job["spec"]["trainer"]
    name = spec["runtimeRef"]["name"]
    fields = name.split("-")
    model = f"{fields[1].replace('.', '_')}/{fields[2].upper()}" if len(fields) == 3 else ""
    if model not in TORCHTUNE_MODELS:
        out.append(f"spec.runtimeRef.name: must have a supported pretrained model, invalid model configured: {model}")
    nodes = trainer.get("numNodes", 1)
    if nodes > 1 and model != "llama3_3/70B":
        out.append(f"spec.trainer.numNodes: must be 1 for {model} model")
    args = trainer.get("args", [])
    lora = any("model.lora_attn_modules" in a for a in args)
    qlora = not _bool_arg(args, "model.use_dora") and _bool_arg(args, "model.quantize_base")
    procs = trainer.get("numProcPerNode")
    gpus = _gpus(trainer["resourcesPerNode"] if "resourcesPerNode" in trainer else _runtime_node_resources(runtime))
    single = nodes == 1 and (procs == 1 or gpus == 1)
    if qlora and nodes == 1:  # the config holds "_qlora"
        if model == "qwen2_5/1.5B":
            out.append(f"spec.runtimeRef.name: QLoRA is not supported for {model} model")
        if not single and model in ("llama3_2/1B", "llama3_2/3B"):
            out.append(f"spec.trainer.numProcPerNode: must be auto or 1 for {model} model when using QLoRA")
            out.append(f"spec.trainer.resourcesPerNode: must have gpu resource with value 1 for {model} model when using QLoRA")
    if nodes > 1 and (lora or qlora):
        out.append("spec.trainer.numNodes: LoRA fine-tuning is not supported for multi-node training in TorchTune")
    for i, a in enumerate(args):
        key = a.split("=", 1)[0]
        if key in TORCHTUNE_IMMUTABLE:
            out.append(f"spec.trainer.args[{i}]: must not set immutable config \"{key}\" in trainer args; it is managed by the runtime")
    return out


def _torch_denials(job: dict, runtime: dict) -> list[str]:
    if (runtime["spec"].get("mlPolicy") or {}).get("torch") is None or "trainer" not in job["spec"]:
        return []
    trainer = job["spec"]["trainer"]
    out = []
    reserved = sorted({e["name"] for e in trainer.get("env", [])} & TORCHRUN_RESERVED)
    if reserved:
        out.append(f"spec.trainer.env: must not have reserved envs, invalid envs configured: [{' '.join(reserved)}]")
    if trainer.get("command") == ["tune", "run"]:
        out += _torchtune_denials(job, runtime)
    return out


def denials(trainjob: dict, runtime: dict | None) -> list[str]:
    """The v2.3.0 webhook's reasons for denying `trainjob` on `runtime` (None: it does not exist)."""
    if runtime is None:
        return ["spec.runtimeRef: specified trainingRuntime must be created before the TrainJob is created"]
    spec = trainjob["spec"]
    return _initializer_denials(spec, runtime) + _patch_denials(spec, runtime) + _torch_denials(trainjob, runtime)
