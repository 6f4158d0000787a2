"""Every YAML the host reads is someone else's text, parsed by Debian's libyaml
(issue 24): a kubeconfig, a policy file, a plugins.d entry and an HTTP tokens
file that are alias bombs, nested 100,000 deep or 20 MB long are refused with
a sentence naming the file — bounded, no crash, no hang."""
import os

import pytest

from conftest import plugin_dir, plugins_list, run_cli

BOMB = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 13))
DEEP = "a: " + "[" * 100_000
HUGE = "a: " + "x" * (20 << 20) + "\n"
HOSTILE = {"bomb": (BOMB, "expands to more than"), "deep": (DEEP, "nested deeper than"), "huge": (HUGE, "at most")}


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_hostile_kubeconfig_policy_and_entry_are_refused_with_a_sentence(tmp_path, kind):
    text, why = HOSTILE[kind]
    hostile = tmp_path / "hostile.yaml"
    hostile.write_text(text)
    hostile.chmod(0o600)

    config = run_cli("doctor", "--no-default-plugins", "--kubeconfig", str(hostile), check=False)
    assert config.returncode != 0 and "not valid YAML" in config.stderr and why in config.stderr, config.stderr[-500:]

    policy = run_cli("policy", "check", str(hostile), check=False)
    assert policy.returncode != 0 and "not valid YAML" in policy.stderr + policy.stdout, (policy.stdout + policy.stderr)[-500:]

    d = plugin_dir(tmp_path)
    (d / "entry.yaml").write_text(text)
    listed, _ = plugins_list(d)
    entry = [p for p in listed if p["path"].endswith("entry.yaml")][0]
    assert entry["status"] == "refused" and why in entry["reason"], entry["reason"][:300]


def test_a_hostile_tokens_file_stops_serve_http_with_a_sentence(tmp_path):
    tokens = tmp_path / "tokens.yaml"
    tokens.write_text(BOMB)
    tokens.chmod(0o600)
    proc = run_cli("serve", "--sim", "--http", "127.0.0.1:0", "--auth", f"tokens:{tokens}", check=False)
    assert proc.returncode != 0 and str(tokens) in proc.stderr, proc.stderr[-500:]
