"""``crds-batch refactor insert|delete OLD_RMAP NEW_RMAP REFERENCE...``: add or remove references in an rmap.

Facts from crds 13.2.7 (refactoring/refactor.py, core/rmap.py, core/selectors.py):

- delete: every selection whose choice is the reference's base name goes, at any
  depth; a nested selector left without references goes too; a reference found
  nowhere is an error ("Terminal 'X' could not be found and deleted.").
- insert: the reference's header becomes the rmap's match values as crds makes
  them (:mod:`.refactor_header`: reference -> dataset keywords, HST wildcard
  substitutions such as ``CCDAMP = 'ANY'``, conditioning, irrelevant and extra
  parameters ``N/A``), then goes down the selector tree, any selector kinds,
  adding or replacing (:mod:`.refactor_insert`, with crds's key validation and
  overlap warnings). Two references landing on the same match path is an
  error ("Both 'A' and 'B' identically match case"), the rmap still written.
- the new rmap keeps the old one's ``name`` and gets ``derived_from`` = the old
  rmap's file name; it is written in crds's layout with a fresh ``sha1sum``
  (:mod:`crds_batch.certify.mapping_text`), temp + fsync + rename.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ..certify.mapping_text import with_checksum
from ..errors import CrdsBatchError
from ..files.atomic import write_atomically
from ..rules.parsing import ParsedMapping, SelectorCall, parse_mapping
from .refactor_header import RefactorHeaderError, refactor_header
from .refactor_insert import Insertion, InsertionError, insert, rmap_facts


class RefactorError(CrdsBatchError):
    """The rmap cannot be changed as asked."""


@dataclass
class InsertReport:
    """What ``refactor insert`` says: crds's INFO, WARNING and ERROR lines."""

    infos: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


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

def insert_references(old_path: str, new_path: str, references: Sequence[str]) -> InsertReport:
    """Write ``new_path``: ``old_path`` with ``references`` inserted by their headers.

    Two references at the same match path are an error (each would replace the other) but the
    rmap is still written, as crds does; an insertion crds refuses writes nothing.
    """
    from ..rules.loading import load_mapping

    old = read_rmap(old_path)
    rules = load_mapping(os.path.abspath(old_path))
    facts = rmap_facts(old)
    selector = old.selector
    report = InsertReport()
    inserted: dict[tuple, str] = {}
    for reference in references:
        name = os.path.basename(reference)
        report.infos.append(f"Inserting {name} into {old.name!r}")
        try:
            insertion = insert(selector, facts, refactor_header(rules, old.header, reference), name)
        except (InsertionError, RefactorHeaderError, KeyError, ValueError) as exc:
            raise RefactorError(f"Refactoring operation FAILED : Failed inserting {name!r} into rmap: "
                                f"{old.name!r}: {_one_line(exc)}") from None
        selector = insertion.selector
        report.warnings.extend(insertion.warnings)
        if insertion.path in inserted:
            report.errors.append(f"Both {name!r} and {inserted[insertion.path]!r} identically match case: "
                                 f"{insertion.path!r}: each reference would replace the other in the rmap")
        else:
            inserted[insertion.path] = name
    write_rmap(old, selector, new_path)
    return report


def trial_insertion(rmap_path: str, reference: str) -> Insertion:
    """``reference`` inserted into the rmap at ``rmap_path`` (nothing written): certify's comparison file."""
    from ..rules.loading import load_mapping

    old = read_rmap(rmap_path)
    rules = load_mapping(os.path.abspath(rmap_path))
    header = refactor_header(rules, old.header, reference)
    return insert(old.selector, rmap_facts(old), header, os.path.basename(reference))


def _one_line(exc: BaseException) -> str:
    text = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
    return " ".join(str(text).split()) or type(exc).__name__
