"""Rules for the demo's pretend instrument, CAMERA, written as real CRDS mappings.

Two contexts share the pmap -> imap -> rmap structure of the real ones
(Match + UseAfter, relevance switches, valid sha1sums). The second delivers a
new dark for recent data, replaces a flat, and leaves bias and linearity as
they were, so only some datasets are affected.
"""
from __future__ import annotations

import os
import pprint

from ..rules.parsing import mapping_checksum

DEMO_OLD_CONTEXT = "demo_0001.pmap"
DEMO_NEW_CONTEXT = "demo_0002.pmap"

DETECTORS = ("WIDE", "NARROW")
FILTERS = ("F100", "F200", "F300", "CLEAR")

_DARK_V1 = {
    ("WIDE", "FAST"): {"2020-01-01 00:00:00": "demo_camera_dark_0001.fits",
                       "2022-06-01 00:00:00": "demo_camera_dark_0002.fits"},
    ("WIDE", "SLOW"): {"2020-01-01 00:00:00": "demo_camera_dark_0003.fits"},
    ("NARROW", "FAST|SLOW"): {"2020-01-01 00:00:00": "demo_camera_dark_0004.fits"},
}
_DARK_V2 = {**_DARK_V1, ("WIDE", "FAST"): {**_DARK_V1[("WIDE", "FAST")],
                                            "2024-03-01 00:00:00": "demo_camera_dark_0005.fits"}}
_FLAT_V1 = {(det, flt): {"2020-01-01 00:00:00": f"demo_camera_flat_{i:04d}.fits"}
            for i, (det, flt) in enumerate(((d, f) for d in DETECTORS for f in FILTERS), start=1)}
_FLAT_V2 = {**_FLAT_V1, ("NARROW", "F200"): {"2020-01-01 00:00:00": "demo_camera_flat_0101.fits"}}
_BIAS = {("WIDE", "1.0|2.0"): {"2020-01-01 00:00:00": "demo_camera_bias_0001.fits"},
         ("NARROW", "*"): {"2020-01-01 00:00:00": "demo_camera_bias_0002.fits"}}
_LINEARITY = {("WIDE",): "demo_camera_linearity_0001.fits", ("NARROW",): "demo_camera_linearity_0002.fits"}

_RMAPS = {
    # filekind: (parkey, relevance, {version: table})
    "dark": ((("DETECTOR", "READPATT"), ("DATE-OBS", "TIME-OBS")), '(DARKCORR != "OMIT")',
             {1: _DARK_V1, 2: _DARK_V2}),
    "flat": ((("DETECTOR", "FILTER"), ("DATE-OBS", "TIME-OBS")), '(FLATCORR != "OMIT")',
             {1: _FLAT_V1, 2: _FLAT_V2}),
    "bias": ((("DETECTOR", "GAIN"), ("DATE-OBS", "TIME-OBS")), "ALWAYS", {1: _BIAS}),
    "linearity": ((("DETECTOR",),), "ALWAYS", {1: _LINEARITY}),
}

#: context version -> rmap version per filekind
_CONTEXTS = {1: {"dark": 1, "flat": 1, "bias": 1, "linearity": 1},
             2: {"dark": 2, "flat": 2, "bias": 1, "linearity": 1}}


def _text(header: dict, selector: str) -> str:
    """Mapping text with a valid sha1sum (computed over the text without the sha1sum line)."""
    def render(sha1: str) -> str:
        lines = ["header = {"]
        for key, value in sorted({**header, "sha1sum": sha1}.items()):
            lines.append(f"    {key!r} : {value!r},")
        lines.append("}")
        return "\n".join(lines) + "\n\nselector = " + selector + "\n"

    return render(mapping_checksum(render("")))


def _rmap_selector(table: dict) -> str:
    lines = ["Match({"]
    for key, choice in table.items():
        if isinstance(choice, dict):
            lines.append(f"    {key!r} : UseAfter({{")
            lines += [f"        {date!r} : {name!r}," for date, name in choice.items()]
            lines.append("    }),")
        else:
            lines.append(f"    {key!r} : {choice!r},")
    lines.append("})")
    return "\n".join(lines)


def _rmap_name(filekind: str, version: int) -> str:
    return f"demo_camera_{filekind}_{version:04d}.rmap"


def demo_mappings() -> dict[str, str]:
    """Every demo mapping: file name -> text."""
    files = {}
    for filekind, (parkey, relevance, versions) in _RMAPS.items():
        for version, table in versions.items():
            name = _rmap_name(filekind, version)
            header = {"name": name, "derived_from": "crds-batch demo", "filekind": filekind.upper(),
                      "instrument": "CAMERA", "mapping": "REFERENCE", "observatory": "DEMO", "parkey": parkey,
                      "rmap_relevance": relevance, "reffile_required": "YES"}
            files[name] = _text(header, _rmap_selector(table))
    for version, kinds in _CONTEXTS.items():
        imap = f"demo_camera_{version:04d}.imap"
        selections = {kind: _rmap_name(kind, rmap_version) for kind, rmap_version in sorted(kinds.items())}
        files[imap] = _text({"name": imap, "derived_from": "crds-batch demo", "instrument": "CAMERA",
                             "mapping": "INSTRUMENT", "observatory": "DEMO", "parkey": ("REFTYPE",)},
                            pprint.pformat(selections))
        pmap = f"demo_{version:04d}.pmap"
        files[pmap] = _text({"name": pmap, "derived_from": "crds-batch demo", "mapping": "PIPELINE",
                             "observatory": "DEMO", "parkey": ("INSTRUME",)}, pprint.pformat({"CAMERA": imap}))
    return files


def write_demo_cache(root: str) -> str:
    """Write the demo CRDS cache under ``root`` (mappings and server config); return ``root``."""
    mappings = os.path.join(root, "mappings", "demo")
    config = os.path.join(root, "config", "demo")
    os.makedirs(mappings, exist_ok=True)
    os.makedirs(config, exist_ok=True)
    for name, text in demo_mappings().items():
        _write(os.path.join(mappings, name), text)
    server_config = {"observatory": "demo", "operational_context": DEMO_NEW_CONTEXT,
                     "edit_context": DEMO_NEW_CONTEXT, "bad_files_list": []}
    _write(os.path.join(config, "server_config"), pprint.pformat(server_config) + "\n")
    return root


def _write(path: str, text: str) -> None:
    temp = path + ".tmp"
    with open(temp, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temp, path)
