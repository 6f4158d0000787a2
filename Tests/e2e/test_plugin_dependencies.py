"""First-party plugin libraries do not link full Foundation (issue 19): a plugin
that imports Foundation brings libFoundation.so and ICU's data (tens of MiB mapped)
into every host that loads it, and a host without Foundation could not load it.
FoundationEssentials is allowed. The ELF dynamic section is read here in Python
(no binutils needed), the way `readelf -d` shows its NEEDED entries."""
import struct
from pathlib import Path

import pytest

from conftest import BUILD

FORBIDDEN = {"libFoundation.so", "libFoundationInternationalization.so", "lib_FoundationICU.so"}
PLUGINS = sorted(BUILD.glob("libkfmcp-*.so"))

SHT_DYNAMIC = 6
DT_NULL, DT_NEEDED = 0, 1


def needed(path: Path) -> list[str]:
    """The DT_NEEDED names of an ELF shared library (32 or 64-bit, either byte order)."""
    data = path.read_bytes()
    assert data[:4] == b"\x7fELF", f"{path.name} is not an ELF file"
    wide = data[4] == 2
    order = "<" if data[5] == 1 else ">"
    if wide:
        shoff, = struct.unpack_from(order + "Q", data, 0x28)
        shentsize, shnum = struct.unpack_from(order + "HH", data, 0x3A)
        section = lambda at: struct.unpack_from(order + "IIQQQQIIQQ", data, at)  # noqa: E731
        entry, entry_size = order + "qQ", 16
    else:
        shoff, = struct.unpack_from(order + "I", data, 0x20)
        shentsize, shnum = struct.unpack_from(order + "HH", data, 0x2E)
        section = lambda at: struct.unpack_from(order + "IIIIIIIIII", data, at)  # noqa: E731
        entry, entry_size = order + "iI", 8
    sections = [section(shoff + i * shentsize) for i in range(shnum)]
    names: list[str] = []
    for _name, kind, _flags, _addr, offset, size, link, *_ in sections:
        if kind != SHT_DYNAMIC:
            continue
        strings = sections[link][4]  # the linked string table's file offset
        for at in range(offset, offset + size, entry_size):
            tag, value = struct.unpack_from(entry, data, at)
            if tag == DT_NULL:
                break
            if tag == DT_NEEDED:
                end = data.index(b"\0", strings + value)
                names.append(data[strings + value:end].decode())
    return names


def test_every_first_party_plugin_is_built():
    names = {p.name for p in PLUGINS}
    assert {"libkfmcp-trainer.so", "libkfmcp-planning.so", "libkfmcp-optimizer.so"} <= names, \
        f"build first: plugin libraries missing in {BUILD}"


@pytest.mark.parametrize("library", PLUGINS, ids=lambda p: p.name)
def test_plugin_does_not_link_full_foundation(library):
    libs = needed(library)
    # The reader works: every Swift library needs the Swift runtime.
    assert "libswiftCore.so" in libs, f"{library.name}: NEEDED not read ({libs})"
    linked = FORBIDDEN & set(libs)
    assert not linked, (f"{library.name} links {sorted(linked)}: a file in its target imports Foundation; "
                        "use the standard library, Glibc, PluginKit's helpers or FoundationEssentials instead")
