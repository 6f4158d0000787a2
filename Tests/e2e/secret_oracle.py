"""The independent oracle of issue 25: Yelp's detect-secrets (PyPI), run over
everything a channel emitted. Its findings must be none; a finding whose value
is our mask ("s3://u:[REDACTED]@h" read as a URI password) shows the secret was
taken out, not that one is there."""
from pathlib import Path

from detect_secrets import SecretsCollection
from detect_secrets.core.scan import scan_line
from detect_secrets.settings import default_settings

MASK = "[REDACTED]"
# Names of Secrets, not their contents: the keyword detector reads the reference {"secret": "hf-token", "key": "token"}
# (how a tool is told which Secret holds a credential) as a secret named "secret".
SECRET_NAMES = {"hf-token"}


def scan(path: Path) -> list[tuple[int, str, str]]:
    """(line number, detector, value) for every finding in the file, all detectors on."""
    with default_settings():
        collection = SecretsCollection()
        collection.scan_file(str(path))
    return [(s.line_number, s.type, s.secret_value or "") for _, s in collection]


def kinds(line: str) -> set[str]:
    """The detectors that find something in one line (a file scan keeps one finding per value and detector)."""
    with default_settings():
        return {s.type for s in scan_line(line)}


def findings(channels: dict[str, list[str]], folder: Path) -> dict[str, list[tuple[str, str]]]:
    """The scanner's findings per channel, each channel's texts written to one file as emitted."""
    out = {}
    for i, (channel, texts) in enumerate(channels.items()):
        path = folder / f"channel-{i}.txt"
        path.write_text("\n".join(texts))
        found = [(kind, value) for _, kind, value in scan(path) if MASK not in value and value not in SECRET_NAMES]
        if found:
            out[channel] = found
    return out
