"""The comparison table of a new reference: the file it would replace in the comparison context, as crds finds it.

``crds certify`` 13.2.7 (``find_old_reference``), when no ``--comparison-reference``
is given, takes the context's rmap for the reference's instrument and type,
inserts the reference by its header, and takes the file the insertion
replaces: the one at the same match key and USEAFTER date. A reference the
rmap already names, or an insertion that replaces nothing, has no comparison
table; a replaced file missing from the cache is a warning. The insertion is
``refactor insert``'s (``tools.refactor.trial_insertion``): the header's match
values made as crds makes them, HST wildcards such as ``ANY`` expanded by
crds's substitutions; an insertion crds refuses is a "Failed resolving" warning.
"""
from __future__ import annotations

import os

from ..errors import CrdsBatchError
from .log import CertifyLog

_FAILED = "Failed resolving comparison reference for table checks"


def find_comparison_reference(path: str, context: str | None, observatory: str, log: CertifyLog) -> str | None:
    """Path of the cached reference ``path`` would replace in ``context``'s rmap, or None (crds's lines logged)."""
    if context is None:
        return None
    from .references import reference_properties

    instrument, filekind = reference_properties(path, "fits")
    try:
        rmap_path = _governing_rmap(context, instrument, filekind)
        replaced = _replaced_name(rmap_path, path)
    except (CrdsBatchError, OSError, KeyError, ValueError) as exc:
        log.warning(f"{_FAILED} : {_one_line(exc)}", path)
        return None
    if replaced is None:
        log.info(f"No file corresponding to {path!r} in context {os.path.basename(rmap_path)!r}")
        return None
    if replaced == os.path.basename(path):
        return None
    from ..cache import locate_reference

    found = locate_reference(replaced, observatory, instrument)
    if not os.path.exists(found):
        log.warning(f"Failed to obtain reference comparison file {replaced!r} : Comparison reference "
                    f"{replaced!r} is defined but does not exist.", path)
        return None
    log.info(f"Comparing reference {os.path.basename(path)!r} against {replaced!r}")
    return found


def _governing_rmap(context: str, instrument: str, filekind: str) -> str:
    """The rmap of ``instrument``/``filekind`` under ``context`` (a pmap, imap or rmap name)."""
    from ..tools.mapping_tree import is_special, load_parsed
    from .mappings import _selection

    name = context
    for level, key, unknown in ((".pmap", instrument, f"Unknown instrument {str(instrument).lower()!r} for "
                                                     f"context {context!r}"),
                                (".imap", filekind, f"Unknown reference type {str(filekind).lower()!r}")):
        if name.endswith(level):
            chosen = _selection(load_parsed(name), key)
            if chosen is None or is_special(chosen):
                raise CrdsBatchError(unknown)  # crds's words
            name = chosen
    if not name.endswith(".rmap"):
        raise CrdsBatchError(f"Invalid comparison context {context!r}")
    from ..cache import locate_mapping

    return locate_mapping(name)


def _replaced_name(rmap_path: str, reference: str) -> str | None:
    """The file inserting ``reference`` into the rmap would replace (its own name if the rmap names it)."""
    from ..tools.mapping_tree import terminal_files
    from ..tools.refactor import read_rmap, trial_insertion

    if os.path.basename(reference) in terminal_files(read_rmap(rmap_path).selector):
        return os.path.basename(reference)
    insertion = trial_insertion(rmap_path, reference)
    if insertion.replaced is not None and insertion.replaced_key != insertion.path[-1]:
        return None  # crds compares the rmaps: a case whose comment parameters changed is deleted and added
    return insertion.replaced


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
