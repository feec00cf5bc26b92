"""The affected job over a store that keeps the old context's results (:mod:`crds_batch.store.kept`).

The old results are read, not evaluated; so are the new results of the types
whose rmap both contexts share (a type's results depend only on its rmap, the
instrument's header keys and the dataset, as :func:`~crds_batch.engine.evaluate._reused_result`
relies on). Only the other types are evaluated: under ``--diffs-only`` the
changed types in the new context, with ``--all-types`` those plus nothing of
the old. JWST is left out: its types depend on each dataset's pipelines and on
the job's type list (:mod:`crds_batch.engine.types`), not on the rmap alone.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from ..store.kept import COLUMN_PREFIX

#: Columns of a partition's frame that hold its datasets' results in the new context, added by the task
#: that keeps them (``affected --keep-new-results``, :mod:`.keep_new`): read, not evaluated.
NEW_PREFIX = "@new:"


def kept_for_job(source: Any, plan: Any, instruments: list[str]) -> dict[str, tuple[str, ...]]:
    """Instrument (lower case) -> the types whose kept results at ``plan.old_context`` the job reads, for
    the ``instruments`` whose partitions ``source`` (a store) keeps them for; empty when none apply."""
    kept_types = getattr(source, "kept_types", None)
    if kept_types is None or plan.old_source != "context" or plan.observatory.lower() == "jwst":
        return {}
    found = {}
    for instrument in instruments:
        kept = kept_types(plan.old_context, instrument)
        if not kept:
            continue
        wanted = plan.types.get(instrument)
        read = kept if wanted is None else tuple(kind for kind in wanted if kind in kept)
        if read:
            found[instrument] = read
    return found


def old_and_new_results(rows: pd.DataFrame, table: Any, instrument: str, plan: Any, old_context: Any,
                        new_context: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The old and new results of the types ``plan`` compares for ``rows`` (one instrument's, their kept
    columns included), as :func:`~crds_batch.engine.evaluate.evaluate` gives them in each context: kept
    columns (and the new results a keeping task added, :data:`NEW_PREFIX`) where they hold them, evaluated
    over ``table`` (the rows' encoding) otherwise."""
    from ..engine.evaluate import evaluate

    key = instrument.lower()
    kept = set(plan.kept_old.get(key, ()))
    wanted = plan.types.get(key)
    old_imap, new_imap = old_context.get_imap(instrument), new_context.get_imap(instrument)
    same = same_rules(old_context, new_context, old_imap, new_imap)
    old_kinds = list(wanted) if wanted is not None else old_imap.filekinds
    new_kinds = list(wanted) if wanted is not None else new_imap.filekinds

    def results(context: Any, kinds: list[str], read: dict[str, str]) -> pd.DataFrame:
        columns = {kind: rows[read[kind]] for kind in kinds if kind in read}
        frame = pd.DataFrame(columns, index=rows.index)
        others = [kind for kind in kinds if kind not in read]
        if others:
            evaluated = evaluate(context, table, reftypes=others, type_rule=plan.type_rule)
            frame = pd.concat([frame, evaluated], axis=1) if columns else evaluated
        return frame

    new_read = {kind: COLUMN_PREFIX + kind for kind in kept & same}
    new_read.update((kind, NEW_PREFIX + kind) for kind in new_kinds if NEW_PREFIX + kind in rows.columns)
    return results(old_context, old_kinds, {kind: COLUMN_PREFIX + kind for kind in kept}), \
        results(new_context, new_kinds, new_read)


def same_rules(old_context: Any, new_context: Any, old_imap: Any, new_imap: Any) -> set[str]:
    """The types whose results the two contexts give alike: the same rmap (or the same N/A/OMIT), under
    the same instrument header keys."""
    if old_imap is new_imap:
        return set(old_imap.filekinds)
    if (old_context.instrument_key != new_context.instrument_key
            or old_imap.required_parkeys() != new_imap.required_parkeys()):
        return set()
    return {kind for kind, entry in old_imap.selections.items() if new_imap.selections.get(kind) == entry}


__all__ = ["NEW_PREFIX", "kept_for_job", "old_and_new_results", "same_rules"]
