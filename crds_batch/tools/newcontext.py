"""``crds-batch newcontext PMAP NEW_RMAP...``: the new imaps and pmap that take in new rmaps, as crds makes them.

Facts from crds 13.2.7 (``crds newcontext``, refactoring/newcontext.py):

- each new rmap replaces the entry of its type in its instrument's imap; an
  update spelled ``<instrument>_<type>_n/a`` sets the type to ``N/A``;
- an updated imap and the pmap get "fake" local names: the serial after the
  highest of that series in the cache's mappings directory (a name without a
  serial starts the series at ``_0001``), skipping names that exist; they are
  written into the output directory (crds: the current directory), never over an
  existing file;
- the new files carry ``name`` = their own name and ``derived_from`` = the
  mapping they replace, and are written in crds's mapping layout
  (:mod:`crds_batch.certify.mapping_text`) with a fresh ``sha1sum``.

Files are written temp + fsync + rename; nothing is written unless every name and
update resolved.
"""
from __future__ import annotations

import glob
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..cache.paths import locate_mapping
from ..certify.mapping_text import with_checksum
from ..errors import CrdsBatchError
from ..files.atomic import write_atomically
from ..rules.parsing import ParsedMapping
from .mapping_tree import load_parsed

_SERIAL = re.compile(r"_(\d+)(\.[pir]map)$")
_NA_UPDATE = re.compile(r"^(?P<instrument>[a-z0-9]+)_(?P<filekind>[a-z0-9]+)_n/a$", re.IGNORECASE)


class NewContextError(CrdsBatchError):
    """A new context cannot be made from these inputs."""


@dataclass(frozen=True)
class Update:
    """One imap entry to set: ``filekind`` of ``instrument`` becomes ``value`` (an rmap name or N/A)."""

    instrument: str
    filekind: str
    value: str


@dataclass(frozen=True)
class NewContext:
    """What was written: ``{old mapping name: new file path}`` and the log lines."""

    written: dict[str, str]
    messages: tuple[str, ...]


def parse_update(spec: str, near: tuple[str, ...] = ()) -> Update:
    """An rmap path/name (its header says instrument and type) or ``instrument_type_n/a``."""
    special = _NA_UPDATE.match(spec)
    if special:
        return Update(special["instrument"].lower(), special["filekind"], "N/A")
    if not spec.endswith(".rmap"):
        raise NewContextError(f"{spec}: not an .rmap nor an <instrument>_<type>_n/a update")
    header = load_parsed(spec, near).header
    try:
        return Update(str(header["instrument"]).lower(), str(header["filekind"]), os.path.basename(spec))
    except KeyError as exc:
        raise NewContextError(f"{spec}: rmap header has no {exc.args[0]!r}") from None


def next_name(old_name: str, output_dir: str, taken: set[str]) -> str:
    """crds's local ("fake") name for the successor of ``old_name``: next free serial of its series."""
    if not _SERIAL.search(old_name):
        stem, ext = os.path.splitext(old_name)
        if not re.search(r"\w+[^\d]+$", stem):
            raise NewContextError(f"Unrecognized mapping filename {old_name!r}")
        return next_name(stem + "_0001" + ext, output_dir, taken)
    series = _SERIAL.sub(r"_*\2", old_name)
    existing = sorted(glob.glob(os.path.join(os.path.dirname(locate_mapping(old_name)), series)))
    if existing:
        serial = int(_SERIAL.search(existing[-1]).group(1)) + 1
        name = _SERIAL.sub(lambda m: "_%04d%s" % (serial, m.group(2)), old_name)
    else:
        name = old_name
    if os.path.exists(locate_mapping(name)) or name in taken:
        return next_name(name, output_dir, taken | {name})
    return name


def new_context(pmap_name: str, updates: Sequence[str], output_dir: str = ".") -> NewContext:
    """Write the new imaps and pmap taking in ``updates`` (rmap names/paths or ``instrument_type_n/a``)."""
    near = (output_dir, ".")
    pmap = load_parsed(pmap_name)
    wanted = [parse_update(spec, near) for spec in updates]
    by_imap: dict[str, list[Update]] = {}
    for update in sorted(wanted, key=lambda u: u.value):
        imap_name = _imap_of(pmap, update.instrument)
        if update in by_imap.get(imap_name, []):
            raise NewContextError(f"Duplicate update for {update.value!r}")
        by_imap.setdefault(imap_name, []).append(update)
    taken: set[str] = set()
    names: dict[str, str] = {}
    for old_name in [pmap.name] + sorted(by_imap):
        names[old_name] = next_name(old_name, output_dir, taken)
        taken.add(names[old_name])
    messages: list[str] = []
    texts: dict[str, str] = {}
    new_imaps: dict[str, str] = {}
    for imap_name, imap_updates in sorted(by_imap.items()):
        imap = load_parsed(imap_name)
        selector = dict(imap.selector)
        for update in imap_updates:
            key = _selector_key(selector, update.filekind, imap)
            replaced = selector.get(key)
            selector[key] = update.value
            messages.append(_message(key, replaced, update.value, imap_name, names[imap_name]))
        texts[imap_name] = _derived(imap, selector, names[imap_name])
        new_imaps[str(imap.header["instrument"]).upper()] = names[imap_name]
    selector = dict(pmap.selector)
    for instrument, imap_name in sorted(new_imaps.items(), key=lambda item: item[1]):
        key = _selector_key(selector, instrument, pmap)
        replaced = selector.get(key)
        selector[key] = imap_name
        messages.append(_message(key, replaced, imap_name, pmap.name, names[pmap.name]))
    texts[pmap.name] = _derived(pmap, selector, names[pmap.name])
    written = {}
    for old_name in [pmap.name] + sorted(by_imap):
        path = os.path.join(output_dir, names[old_name])
        if os.path.exists(path):
            raise NewContextError(f"New mapping file {names[old_name]!r} already exists in {output_dir}")
        written[old_name] = path
    for old_name, path in written.items():
        with write_atomically(path) as handle:
            handle.write(texts[old_name].encode("utf-8"))
        messages.append(f"Adjusting name {os.path.basename(path)!r} derived_from {old_name!r} in {path!r}")
    return NewContext(written, tuple(messages))


def _imap_of(pmap: ParsedMapping, instrument: str) -> str:
    for key, value in pmap.selector.items():
        if str(key).lower() == instrument.lower():
            return value
    raise NewContextError(f"{pmap.name} has no instrument {instrument!r}")


def _selector_key(selector: dict, key: str, mapping: ParsedMapping) -> str:
    """The existing key spelled like ``key`` (any case); a new key as crds spells it (JWST upper)."""
    for existing in selector:
        if str(existing).lower() == key.lower():
            return existing
    if str(mapping.header.get("mapping", "")).upper() == "PIPELINE":
        return key.upper()
    return key.upper() if str(mapping.header.get("observatory", "")).upper() == "JWST" else key.lower()


def _derived(parsed: ParsedMapping, selector: dict, new_name: str) -> str:
    header = dict(parsed.header, name=new_name, derived_from=parsed.name)
    return with_checksum(replace(parsed, header=header, selector=selector))


def _message(key: str, replaced: str | None, value: str, old: str, new: str) -> str:
    if replaced is not None:
        return f"Replaced {replaced!r} with {value!r} for {key!r} in {old!r} producing {new!r}"
    return f"Added {value!r} for {key!r} in {old!r} producing {new!r}"
