"""``crds-batch refactor insert|delete OLD_RMAP NEW_RMAP REFERENCE...``: add or remove references in an rmap.

Facts from crds 13.2.7 (refactoring/refactor.py, core/rmap.py, core/selectors.py):

- delete: every selection whose choice is the reference's base name goes, at any
  depth; a nested selector left without references goes too; a reference found
  nowhere is an error ("Terminal 'X' could not be found and deleted.").
- insert (``Match`` over ``UseAfter``, the shape of HST rmaps; other shapes are
  refused here): the reference's header gives the match values (the rmap's first
  parkey level, each ``glob_compress``-ed after crds's value conditioning; a
  parameter whose ``parkey_relevance`` is false, and the rmap's ``extra_keys``,
  become ``N/A``; a missing one ``UNDEFINED``) and the date (``USEAFTER``, or
  JWST/Roman ``META.USEAFTER``, normalized). An existing Match key equal after
  conditioning gets the date added (or its file replaced at an equal date); a new
  key gets a new ``UseAfter({date: file})``. Values crds would expand from
  wildcards (``ANY``...) are refused here.
- the new rmap keeps the old one's ``name`` and gets ``derived_from`` = the old
  rmap's file name; it is written in crds's layout with a fresh ``sha1sum``
  (:mod:`crds_batch.certify.mapping_text`), temp + fsync + rename.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace

from ..certify.mapping_text import with_checksum
from ..errors import CrdsBatchError
from ..files.atomic import write_atomically
from ..rules.conditioning import condition_match_key, condition_value, glob_compress
from ..rules.dates import reformat_date
from ..rules.parsing import ParsedMapping, SelectorCall, parse_mapping

#: Reference header values crds expands into glob patterns (substitutions): not supported here.
WILDCARDS = frozenset({"ANY", "ALL", "*"})
USEAFTER_KEYS = ("USEAFTER", "META.USEAFTER", "ROMAN.META.USEAFTER")


class RefactorError(CrdsBatchError):
    """The rmap cannot be changed as asked."""


def read_rmap(path: str) -> ParsedMapping:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise RefactorError(f"cannot read {path}: {exc.strerror}") from None
    return parse_mapping(text, os.path.basename(path))


def write_rmap(old: ParsedMapping, selector: SelectorCall, path: str) -> None:
    header = dict(old.header, derived_from=old.name)
    with write_atomically(path) as handle:
        handle.write(with_checksum(replace(old, header=header, selector=selector)).encode("utf-8"))


# ------------------------------------------------------------------ delete

def delete_references(old_path: str, new_path: str, references: Sequence[str]) -> list[str]:
    """Write ``new_path``: ``old_path`` without ``references``; return log lines."""
    old = read_rmap(old_path)
    selector = old.selector
    lines = []
    for reference in references:
        name = os.path.basename(reference)
        lines.append(f"Deleting {reference!r} from {old.name!r}")
        selector, count = _deleted(selector, name)
        if count == 0:
            raise RefactorError(f"Terminal {name!r} could not be found and deleted.")
    write_rmap(old, selector, new_path)
    return lines


def _deleted(selector: SelectorCall, name: str) -> tuple[SelectorCall, int]:
    kept, count = [], 0
    for key, choice in dict(selector.table).items():
        if choice == name:
            count += 1
            continue
        if isinstance(choice, SelectorCall):
            choice, nested = _deleted(choice, name)
            count += nested
            if not _references(choice):
                continue
        kept.append((key, choice))
    return replace(selector, table=tuple(kept) if isinstance(selector.table, tuple) else kept), count


def _references(selector: SelectorCall) -> list[str]:
    names = []
    for _, choice in selector.table:
        if isinstance(choice, SelectorCall):
            names.extend(_references(choice))
        elif isinstance(choice, str) and choice.upper() not in ("N/A", "OMIT"):
            names.append(choice)
    return names


# ------------------------------------------------------------------ insert

def insert_references(old_path: str, new_path: str, references: Sequence[str]) -> list[str]:
    """Write ``new_path``: ``old_path`` with ``references`` inserted by their headers; return log lines."""
    from ..rules.loading import load_mapping

    old = read_rmap(old_path)
    rules = load_mapping(os.path.abspath(old_path))
    selector = old.selector
    classes = tuple(old.header.get("classes", ("Match", "UseAfter")))
    if classes != ("Match", "UseAfter") or selector.name != "Match":
        raise RefactorError(f"{old.name}: refactor insert handles Match/UseAfter rmaps, not {'/'.join(classes)}")
    lines = []
    inserted: dict[tuple, str] = {}
    for reference in references:
        name = os.path.basename(reference)
        lines.append(f"Inserting {name} into {old.name!r}")
        key, date = insertion_point(rules, old, reference)
        if (key, date) in inserted:
            raise RefactorError(f"Both {name!r} and {inserted[key, date]!r} identically match case: {key} {date}")
        inserted[key, date] = name
        selector = _inserted(selector, key, date, name)
    write_rmap(old, selector, new_path)
    return lines


def insertion_point(rules, old: ParsedMapping, reference: str) -> tuple[tuple, str]:
    """(Match key, UseAfter date) of ``reference`` from its header."""
    from ..files.headers import read_parameters
    from ..rules.lookup import apply_parkey_relevance

    header = {key.upper(): str(value) for key, value in read_parameters(reference).parameters.items()}
    useafter = next((header[key] for key in USEAFTER_KEYS if key in header), None)
    if useafter is None:
        raise RefactorError(f"{os.path.basename(reference)}: no USEAFTER in its header")
    try:
        date = reformat_date(useafter)
    except Exception:
        raise RefactorError(f"{os.path.basename(reference)}: Bad USEAFTER time format = {useafter!r}") from None
    match_parkeys = tuple(old.header["parkey"][0])
    values = {key: condition_value(value) for key, value in header.items()}
    for parkey in match_parkeys:
        value = values.setdefault(parkey, "UNDEFINED")
        if value.upper() in WILDCARDS:
            raise RefactorError(f"{os.path.basename(reference)}: {parkey} = {value!r} needs crds's wildcard "
                                "expansion, which refactor insert does not do")
    values = apply_parkey_relevance(rules, values)
    for extra in old.header.get("extra_keys", ()) or ():
        if extra.upper() in values:
            values[extra.upper()] = "N/A"
    return tuple(glob_compress(values[parkey]) for parkey in match_parkeys), date


def _inserted(selector: SelectorCall, key: tuple, date: str, name: str) -> SelectorCall:
    table = list(dict(selector.table).items())
    wanted = condition_match_key(key)
    for index, (old_key, choice) in enumerate(table):
        if condition_match_key(old_key) == wanted:
            if not isinstance(choice, SelectorCall):
                table[index] = (old_key, SelectorCall("UseAfter", ((date, name),)))
            else:
                dates = dict(choice.table)
                dates[date] = name
                table[index] = (old_key, replace(choice, table=tuple(dates.items())))
            break
    else:
        table.append((key, SelectorCall("UseAfter", ((date, name),))))
    return replace(selector, table=tuple(table))
