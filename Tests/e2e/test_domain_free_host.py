"""The host knows no Kubeflow domain (issue #17): tools, instructions,
confirmation summaries, providers and cluster-scoped kinds all come from
plugins. Only the project's own name ("kubeflow-mcp", also in its annotation
domain kubeflow-mcp.kubeflow.org) may appear in the host's floors (HostBase … HostCore)."""
import re

from conftest import ROOT

HOST_FLOORS = [ROOT / "Sources" / "Host" / floor
               for floor in ("HostBase", "HostPlugins", "HostKubeGate", "HostCalls", "HostProtocol", "HostCore")]
DOMAIN_WORDS = re.compile(r"trainjob|torchtune|fine_tune|nvidia|trainer", re.IGNORECASE)
PROJECT_NAME = re.compile(r"kubeflow-mcp(\.kubeflow\.org)?|KubeflowMCP", re.IGNORECASE)


def test_host_core_names_no_kubeflow_domain_word():
    hits = []
    for path in sorted(p for floor in HOST_FLOORS for p in floor.rglob("*")):
        if not path.is_file():
            continue
        for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if DOMAIN_WORDS.search(line) or "kubeflow" in PROJECT_NAME.sub("", line).lower():
                hits.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not hits, "The host must stay domain-free; move these to a plugin:\n" + "\n".join(hits)


def test_mcp_instructions_come_from_the_loaded_plugins():
    from mcp_client import run, session
    seen = {}

    async def body():
        async with session("--sim") as s:
            seen["all"] = s.init_result.instructions or ""
        async with session("--sim", "--no-default-plugins") as s:
            seen["none"] = s.init_result.instructions or ""
    run(body)
    assert "fine_tune(model, dataset" in seen["all"]  # the Trainer plugin's manifest instructions
    assert "fine_tune" not in seen["none"] and "Tools return data and actions" in seen["none"]
