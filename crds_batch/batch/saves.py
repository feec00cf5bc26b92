"""Writing a run's parameters back to a crds save (--save-pickle), with new results (--update-pickle).

crds bestrefs ``--save-pickle`` writes every loaded dataset (``--only-ids``
limits them); with ``--update-pickle`` each dataset it processed also gets
its new results, one key per type upper case (``DARKFILE``, ``DARK``),
values conditioned as crds conditions header values (``NOT FOUND N/A`` ->
``N/A``, upper case). That makes a regression capture: the next run with
--compare-source-bestrefs compares against these results.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd

from ..store.export import export
from ..store.saves import iter_save, save_kind, write_json_save, write_pickle_save
from ..store.selection import Selection
from ..rules.conditioning import condition_value


def bestrefs_condition(value: Any) -> str:
    """A new result as crds stores it in a header: conditioned, ``NOT FOUND N/A`` -> ``N/A``."""
    text = condition_value(value)
    return "N/A" if text == "NOT FOUND N/A" else text


def save_parameters(result: Any, source: Any, path: str, *, only_ids: Sequence[str] | None = None,
                    trust_pickles: bool = False) -> int:
    """Write the parameters of ``source`` to the save ``path``, with ``result``'s new results if it kept them.

    Parameters
    ----------
    result : CheckResult
        A check-context run; its ``new_results`` (set with --update-pickle) are merged in.
    source : Store
        The parameter store the run read.
    path : str
        ``.json`` or ``.pkl`` output.
    only_ids : sequence of str, optional
        Only these datasets (crds saves only them with --only-ids).

    Returns
    -------
    int
        Datasets written.
    """
    selection = Selection.of(only_ids=list(only_ids)) if only_ids else None
    new = getattr(result, "new_results", None)
    if new is None or new.empty:
        return export(source, path, selection)
    with tempfile.TemporaryDirectory(prefix="crds-batch-save-") as work:
        plain = os.path.join(work, "plain.json")
        export(source, plain, selection)
        updates = _updates(new)
        items = _merged(plain, updates, trust_pickles)
        if save_kind(path) == "pkl":
            return write_pickle_save(path, items)
        return write_json_save(path, items)


def _updates(new: pd.DataFrame) -> dict[str, dict[str, str]]:
    types = [name for name in new.columns if name != "dataset_id"]
    updates = {}
    for row in new.itertuples(index=False, name=None):
        dataset_id, values = row[0], row[1:]
        updates[dataset_id] = {kind.upper(): bestrefs_condition(value)
                               for kind, value in zip(types, values) if value is not None and not pd.isna(value)}
    return updates


def _merged(plain: str, updates: dict[str, dict[str, str]], trust_pickles: bool) -> Iterator[tuple[str, dict]]:
    for batch in iter_save(plain, trust_pickles=trust_pickles):
        for dataset_id, header in zip(batch.ids, batch.headers):
            header = dict(header)
            header.update(updates.get(dataset_id, {}))
            yield dataset_id, header


__all__ = ["bestrefs_condition", "save_parameters"]
