"""Certify one mapping as ``crds certify`` does.

1. Its text is read safely (:mod:`crds_batch.rules.parsing`: nothing is run)
   and keys repeated in the header or any selector are errors (skipped with
   ``--dont-parse``).
2. A missing or wrong ``sha1sum`` is a warning (crds loads with
   ``ignore_checksum="warn"``); structure problems (a required header key
   missing, no ``parkey``) are tracked ``Validation error`` errors.
3. Match values must be legal for the parameters they select on, where the
   legal values are known (:mod:`.match_values`).
4. The mapping is compared with its peer in the comparison context (same
   kind, instrument and type): deleted rules and terminals, rule changes and
   reversions (a file replaced by an older one) are warnings.
"""
from __future__ import annotations

import os

from ..errors import CrdsBatchError
from ..rules.parsing import ParsedMapping, SelectorCall, mapping_checksum, parse_mapping
from ..tools.mapping_tree import is_special, load_parsed
from .duplicates import duplicate_messages
from .log import CertifyLog
from .mapping_diffs import LocatedDifference, mapping_differences
from .naming import newer

#: Header keys every mapping must have, and those of rmaps only.
REQUIRED_HEADER_KEYS = ("mapping", "observatory", "name", "parkey")
RMAP_HEADER_KEYS = ("instrument", "filekind")


class StructureError(CrdsBatchError):
    """A mapping that parses but is not a valid mapping (crds's load-time validation)."""


def read_mapping(path: str) -> ParsedMapping:
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    return parse_mapping(text, os.path.basename(path))


def check_structure(parsed: ParsedMapping, path: str) -> None:
    """Raise :class:`StructureError` (crds's text) unless ``parsed`` loads as a mapping of its kind.

    An rmap is built as the lookup would build it (header keys and shape,
    selectors, header expressions); a context's header is checked.
    """
    from ..errors import MappingError
    from ..rules.errors import ExpressionError
    from ..rules.mappings import ReferenceMapping

    header = parsed.header
    for key in REQUIRED_HEADER_KEYS:
        if key not in header:
            raise StructureError(f"Required header key {key!r} is missing.")
    kind = {".pmap": "pipeline", ".imap": "instrument", ".rmap": "reference"}.get(os.path.splitext(parsed.name)[1])
    if kind and str(header["mapping"]).lower() != kind:
        raise StructureError(f"Expected header mapping='{kind}' but got mapping='{str(header['mapping']).upper()}'"
                             f" in '{parsed.name}'")
    if kind == "reference" or isinstance(parsed.selector, SelectorCall):
        try:
            ReferenceMapping(parsed, path)
        except (MappingError, ExpressionError) as exc:
            raise StructureError(_without_name(str(exc), parsed.name)) from None


def _without_name(message: str, name: str) -> str:
    return message[len(name) + 2:] if message.startswith(name + ": ") else message


def properties(parsed: ParsedMapping) -> tuple[str, str]:
    """(instrument, type) crds files a mapping's errors under: from a complete header, else unknown."""
    header = parsed.header
    if not all(key in header for key in REQUIRED_HEADER_KEYS):
        return "unknown", "unknown"
    if parsed.name.endswith(".pmap"):
        return "", ""
    return str(header.get("instrument", "unknown")), str(header.get("filekind", ""))


def load_problem(path: str) -> tuple[str, str, str] | None:
    """(instrument, type, message) of why the mapping at ``path`` does not load, or None when it loads."""
    try:
        parsed = read_mapping(path)
    except (CrdsBatchError, OSError, UnicodeDecodeError) as exc:
        return "unknown", "unknown", _reason(exc)
    try:
        check_structure(parsed, path)
    except StructureError as exc:
        return (*properties(parsed), str(exc))
    problem = tree_problem(parsed)
    return None if problem is None else (*properties(parsed), problem)


def tree_problem(parsed: ParsedMapping, seen: frozenset[str] = frozenset()) -> str | None:
    """Why the mappings below a context do not load, or None: crds loads a pmap or imap with its whole tree,
    children in selector order, each from the cache (or the path written), and reports the first failure."""
    if isinstance(parsed.selector, SelectorCall):
        return None
    from ..cache import locate_mapping

    for value in parsed.selector.values():
        if not isinstance(value, str) or is_special(value):
            continue
        child_path = value if os.path.dirname(value) else locate_mapping(value)  # crds: a path as written
        if child_path in seen:
            continue
        try:
            child = read_mapping(child_path)
            check_structure(child, child_path)
        except (CrdsBatchError, OSError, UnicodeDecodeError) as exc:
            return _reason(exc)
        problem = tree_problem(child, seen | {child_path})
        if problem is not None:
            return problem
    return None


def certify_mapping(path: str, context: str | None, log: CertifyLog, dont_parse: bool = False) -> None:
    """Log every finding about the mapping at ``path`` against comparison ``context`` (None: no comparison)."""
    from .match_values import check_match_values

    try:
        parsed = read_mapping(path)
    except (CrdsBatchError, OSError, UnicodeDecodeError) as exc:
        log.track_error(path, "unknown", "unknown", f"Validation error : {_reason(exc)}")
        return
    if not dont_parse:
        for message in duplicate_messages(parsed):
            log.error(message, path)
    try:
        check_structure(parsed, path)
    except StructureError as exc:
        log.track_error(path, *properties(parsed), f"Validation error : {exc}")
        return
    checksum = parsed.header.get("sha1sum")
    if checksum is None:
        log.warning(f"Checksum error : sha1sum is missing in {parsed.name!r}", path)
    elif checksum != mapping_checksum(parsed.text):
        log.warning(f"Checksum error : sha1sum mismatch in {parsed.name!r}", path)
    problem = tree_problem(parsed)
    if problem is not None:
        log.track_error(path, *properties(parsed), f"Validation error : {problem}")
        return
    check_match_values(parsed, log, path)
    if context is None:
        return
    peer = equivalent_mapping(context, parsed, path, log)
    if peer is None:
        log.info(f"No predecessor for {parsed.header.get('name', parsed.name)!r} relative to context {context!r}")
        return
    if peer.name == parsed.name:
        return
    if not parsed.name.endswith(".pmap"):
        log.info(f"Mapping {parsed.name!r} corresponds to {peer.name!r} from context {context!r} "
                 "for checking mapping differences.")
    log.info(f"Checking diffs from {peer.name!r} to {parsed.name!r}")
    report_differences(mapping_differences(peer, parsed, path), log, path)


def equivalent_mapping(context: str, parsed: ParsedMapping, path: str, log: CertifyLog) -> ParsedMapping | None:
    """The mapping of the same kind, instrument and type as ``parsed`` in pmap ``context``, or None."""
    pmap = load_parsed(context)
    if parsed.name.endswith(".pmap"):
        return pmap
    imap_name = _selection(pmap, parsed.header.get("instrument", ""))
    if imap_name is None or is_special(imap_name):
        log.warning(f"No equivalent instrument in {pmap.name!r} corresponding to {path!r}", path)
        return None
    imap = load_parsed(imap_name)
    if parsed.name.endswith(".imap"):
        return imap
    rmap_name = _selection(imap, parsed.header.get("filekind", ""))
    if rmap_name is None or is_special(rmap_name):
        log.warning(f"No equivalent filekind in {imap.name!r} corresponding to {path!r}", path)
        return None
    return load_parsed(rmap_name)


def _selection(context: ParsedMapping, key) -> str | None:
    """The mapping a pmap/imap selects for instrument or type ``key`` (any case)."""
    if not isinstance(context.selector, dict):
        return None
    wanted = str(key).upper()
    return next((value for name, value in context.selector.items() if str(name).upper() == wanted), None)


def report_differences(differences: list[LocatedDifference], log: CertifyLog, path: str) -> None:
    """crds's reading of differences: deletions, rule changes, reversions... are warnings; the rest verbose."""
    for diff in sorted(differences, key=lambda d: (d.action, repr(d.where), d.message)):
        action, where = diff.action, repr(diff.where)
        if "header" in action or action == "add":
            log.verbose_info(f"In {where} {diff.message}")
        elif "rule" in action:
            log.warning(f"Rule change at {where} {diff.message}", path)
        elif action == "replace":
            old, new = _replaced_names(diff.message)
            if old and new:
                if newer(new, old, log):
                    log.verbose_info(f"In {where} {diff.message}")
                else:
                    log.warning(f"Reversion at {where} {diff.message}", path)
            else:
                log.warning(f"Unusual replacement {where} {diff.message}", path)
        elif action == "delete":
            log.warning(f"Deletion at {where} {diff.message}", path)
        elif action == "parkey_difference":
            log.warning(f"Different lookup parameters {where} {diff.message}", path)
        elif action == "class_difference":
            log.warning(f"Different classes at {where} {diff.message}", path)


def _replaced_names(message: str) -> tuple[str | None, str | None]:
    """The two file names of ``replaced 'a' with 'b'`` (None for something that is not a quoted name)."""
    import ast

    try:
        _, rest = message.split("replaced ", 1)
        old_text, new_text = rest.split(" with ", 1)
        old, new = ast.literal_eval(old_text), ast.literal_eval(new_text)
    except (ValueError, SyntaxError):
        return None, None
    return (old if isinstance(old, str) else None), (new if isinstance(new, str) else None)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"[Errno {exc.errno}] {exc.strerror}: {exc.filename!r}"
    return str(exc)
