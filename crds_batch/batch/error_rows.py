"""The error rows of the batch jobs, as compact frames.

A run's error rows (columns ``dataset_id, instrument, filekind, message, level``) repeat few distinct
texts: 1M datasets, all types, give 222k rows with 6,690 distinct messages, one instrument and type
per partition piece and one level. The ids stay Arrow-backed strings; the other four columns are
Categoricals of ``str`` categories, so each text is held once and the client, which gathers every
partition's error rows, holds a byte or a few per row and column (at 10M datasets, all types, the
2.2M rows took ~450 MB as strings). :func:`~.frames.concat_frames` keeps them categorical.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

#: pandas's default ``str`` dtype (Arrow-backed), as frames built from Python strings get.
STR = pd.StringDtype("pyarrow", na_value=np.nan)


def error_frame(ids, instrument: str, filekind: str, messages, level: str) -> pd.DataFrame:
    """Error rows of ``ids``; ``messages`` (one per row) a list of texts or an Arrow string array."""
    if not isinstance(messages, pa.Array):
        messages = pa.array(list(messages), pa.string())
    encoded = messages.dictionary_encode()
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    return pd.DataFrame({
        "dataset_id": ids,
        "instrument": repeated(instrument, len(codes)),
        "filekind": repeated(filekind, len(codes)),
        "message": pd.Categorical.from_codes(codes, categories=pd.Index(encoded.dictionary, dtype=STR)),
        "level": repeated(level, len(codes)),
    })


def repeated(text: str, count: int) -> pd.Categorical:
    """``text`` ``count`` times: a Categorical of one ``str`` category (a byte per row)."""
    return pd.Categorical.from_codes(np.zeros(count, dtype=np.int8), categories=pd.Index([text], dtype=STR))
