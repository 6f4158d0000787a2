"""The host's floors import only downwards (issue 24). SwiftPM refuses a
circular import by itself; a sideways one (HostPlugins importing HostKubeGate)
would compile once both are built, so the sources are checked here."""
import re

from conftest import ROOT

HOST = ROOT / "Sources" / "Host"
BELOW = {
    "HostBase": set(),
    "HostPlugins": {"HostBase"},
    "HostKubeGate": {"HostBase"},
    "HostCalls": {"HostBase", "HostPlugins", "HostKubeGate"},
    "HostProtocol": {"HostBase", "HostPlugins", "HostKubeGate", "HostCalls"},
    "HostCore": {"HostBase", "HostPlugins", "HostKubeGate", "HostCalls", "HostProtocol"},
}
IMPORT = re.compile(r"^\s*(?:@_exported\s+|@testable\s+)?import\s+(Host\w+)", re.MULTILINE)


def test_every_floor_imports_only_the_floors_below_it():
    wrong = []
    for floor, allowed in BELOW.items():
        for path in sorted((HOST / floor).rglob("*.swift")):
            for module in IMPORT.findall(path.read_text()):
                if module not in allowed:
                    wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not wrong, "upward or sideways imports:\n" + "\n".join(wrong)


def test_package_declares_the_same_floors():
    package = (ROOT / "Package.swift").read_text()
    for floor, allowed in BELOW.items():
        declared = re.search(r'\.target\(name: "%s",\s*dependencies: \[([^\]]*)\]' % floor, package, re.S)
        assert declared, f"Package.swift has no target {floor}"
        hosts = set(re.findall(r'"(Host\w+)"', declared.group(1)))
        assert hosts <= allowed, f"{floor} depends on {hosts - allowed}"
