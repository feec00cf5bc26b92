"""Clean generation: with no deliberate faults asked for, no generated dataset may fail a lookup.

Values drawn from an instrument's rules are consistent across its rmaps in
most cases, but not all: a detector one rmap lists may be absent from
another's rules (ACS ``DETECTOR='SBC'`` has no DARKFILE rule). When the
caller asked for zero invalid values and zero early dates, every drawn
dataset is evaluated with the engine and compared as plain ``crds bestrefs``
compares (a failed lookup is an error; a lookup no case matches is N/A, as
real rules have such gaps), and the datasets that fail are drawn again until
none fails. ``check-context``, like ``crds bestrefs --check-context``, still
reports the unmatched lookups.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..errors import CrdsBatchError

#: Rounds of redrawing failed datasets before giving up (each round redraws only the failures).
MAX_REDRAWS = 60


def failing_rows(context, frame: pd.DataFrame) -> tuple[np.ndarray, str | None]:
    """Rows of ``frame`` with any failed lookup under ``context``, and one of their error messages."""
    from ..batch.compare import CompareOptions, normalize
    from ..engine.evaluate import evaluate

    plain = CompareOptions()
    results = evaluate(context, frame.drop(columns=["dataset_id"]).reset_index(drop=True))
    bad = np.zeros(len(frame), dtype=bool)
    example = None
    for filekind in results.columns:
        column = results[filekind]
        categories = column.cat.categories
        failed = [not normalize(value, "New:", plain)[0] for value in categories]
        if not any(failed):
            continue
        codes = column.cat.codes.to_numpy()
        failed_codes = np.flatnonzero(failed)
        rows = np.isin(codes, failed_codes)
        bad |= rows
        if example is None and rows.any():
            example = f"{filekind}: {categories[codes[np.flatnonzero(rows)[0]]]}"
    return bad, example


def redraw_failures(context, frame: pd.DataFrame, draw: Callable[[int], pd.DataFrame], instrument: str) -> pd.DataFrame:
    """``frame`` with every failing dataset replaced by a newly drawn one that does not fail."""
    kept = []
    pending = frame
    for _ in range(MAX_REDRAWS):
        bad, example = failing_rows(context, pending)
        kept.append(pending.loc[~bad])
        if not bad.any():
            return pd.concat(kept, ignore_index=True) if len(kept) > 1 else kept[0].reset_index(drop=True)
        pending = draw(int(bad.sum()))
    raise CrdsBatchError(
        f"Cannot generate clean {instrument} datasets: after {MAX_REDRAWS} redraws some still fail ({example}); "
        "use --instruments to leave it out, or allow faults with --invalid-fraction/--early-fraction")
