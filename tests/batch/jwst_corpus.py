"""Generated JWST corpora for batch parity tests, with the cases crds treats specially.

:func:`crds_batch.synth.generate` gives realistic parameters with invalid
values; on top of that a deterministic share of datasets gets

- a calibration software version (``META.CALIBRATION_SOFTWARE_VERSION``):
  crds then narrows the types it looks up to those the dataset's pipelines use
  (valid versions across its bundled CRDSCFG files, plus an invalid one);
- ``META.VISIT.TSOVISIT = 'N/A'``: with ``N/A`` the TSOPHOT rules' FALSE -> N/A
  and TRUE -> UseAfter cases match equally, an ambiguous match that fails
  the whole dataset in crds bestrefs.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from crds_batch.synth import generate, write_save

VERSIONS = ("1.12.5", "1.1.0", "0.17.0", "0.13.8", "0.13.0", "0.10.1", "0.9.3", "0.7.0rc6", "BOGUS")
VERSION_COLUMN = "META.CALIBRATION_SOFTWARE_VERSION"
TSO_COLUMN = "META.VISIT.TSOVISIT"


def jwst_frames(context: str, n: int, seed: int, versioned: float = 0.4, tso_na: float = 0.04,
                invalid_fraction: float = 0.08) -> Iterator[pd.DataFrame]:
    rng = np.random.default_rng(seed)
    for frame in generate(context, n, seed=seed, invalid_fraction=invalid_fraction):
        frame = frame.copy()
        rows = len(frame)
        if frame["META.INSTRUMENT.NAME"].iloc[0] != "SYSTEM":
            versions = np.array(VERSIONS, dtype=object)[rng.integers(0, len(VERSIONS), rows)]
            given = rng.random(rows) < versioned
            column = frame[VERSION_COLUMN] if VERSION_COLUMN in frame else pd.Series([None] * rows, index=frame.index)
            frame[VERSION_COLUMN] = np.where(given, versions, column.to_numpy(dtype=object))
        if TSO_COLUMN in frame:
            na = rng.random(rows) < tso_na
            frame[TSO_COLUMN] = np.where(na, "N/A", frame[TSO_COLUMN].to_numpy(dtype=object))
        yield frame


def write_jwst_corpus(path, context: str, n: int, seed: int, **options) -> str:
    write_save(jwst_frames(context, n, seed, **options), str(path))
    return str(path)
