"""``crds-batch list --tpns``: the constraint (``.tpn``) files that apply to a reference or mapping, as crds prints
them.

Data: ``observatories/<obs>_tpn_lines.json`` (``scripts/regenerate_tpn_lines.py``):
each type's own constraint files (``keys``) and each file's lines as crds reads
them. A file's ``tpn`` (reference) or, for a mapping, ``ld_tpn`` files are, as
crds's ``reference_props_to_validator_keys``: the type's own, its instrument's
``all``, ``all`` of each dash-prefix of its type (``pars``, ``pars-tweakregstep``),
``all_all``; crds prints them in reverse, each under ``From TPN: <name>`` and a
dashed underline, then a blank line.
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

FIELDS = ("tpn", "ld_tpn")


@lru_cache(maxsize=None)
def _table(observatory: str) -> dict:
    path = resources.files("crds_batch.observatories").joinpath(f"{observatory.lower()}_tpn_lines.json")
    if not path.is_file():
        return {"provenance": {}, "keys": {}, "lines": {}}
    return json.loads(path.read_text())


def type_keys(observatory: str) -> dict[str, dict[str, dict[str, str]]]:
    """``{instrument: {filekind: {"tpn": file, "ld_tpn": file}}}``: each type's own constraint files."""
    return _table(observatory)["keys"]


def _subkinds(filekind: str) -> list[str]:
    """``pars-tweakregstep`` -> ``['pars-tweakregstep', 'pars']`` (specific first)."""
    prefixes = [filekind[:index] for index, char in enumerate(filekind) if char == "-"]
    return list(reversed(prefixes + [filekind]))


def tpn_files(observatory: str, instrument: str, filekind: str, field: str = "tpn") -> list[str]:
    """The constraint files of ``instrument``/``filekind``, most specific first (repeats kept, as crds)."""
    keys = type_keys(observatory)
    levels = [(instrument, filekind), (instrument, "all")] + [("all", kind) for kind in _subkinds(filekind)]
    levels.append(("all", "all"))
    return [keys[inst][kind][field] for inst, kind in levels if field in keys.get(inst, {}).get(kind, {})]


def tpn_text_lines(observatory: str, instrument: str, filekind: str, field: str = "tpn") -> list[str]:
    """What crds prints for a file of ``instrument``/``filekind`` (its ``reference_name_to_tpn_text``)."""
    lines: list[str] = []
    texts = _table(observatory)["lines"]
    for name in reversed(tpn_files(observatory, instrument, filekind, field)):
        label = f"From TPN: {name}"
        lines += [label, "-" * len(label)]
        if name in texts:  # crds: a spec naming a file that does not exist prints its title only
            lines += [*texts[name], ""]
    return lines
