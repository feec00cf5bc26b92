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
    return error_frame_of_runs(ids, instrument, [(filekind, level, messages)])


def error_frame_of_pieces(ids, instrument: str, pieces: list[tuple]) -> pd.DataFrame:
    """One frame of the error rows of ``pieces`` (rows, filekind, level, messages) in their order: the rows
    positions into ``ids``, the messages one per row (:func:`error_frame`'s)."""
    rows = np.concatenate([piece[0] for piece in pieces]) if pieces else np.zeros(0, dtype=np.int64)
    return error_frame_of_runs(ids[rows], instrument, [piece[1:] for piece in pieces])


def error_frame_of_runs(ids, instrument: str, runs: list[tuple]) -> pd.DataFrame:
    """Error rows of ``ids`` in runs of one type and level, (filekind, level, messages) each, as one frame.

    The same frame as the runs' :func:`error_frame` concatenated (categories in first-seen order), built
    once: pandas's cost per frame (a DataFrame, four Categoricals, ~0.5 ms) paid per type and kind of
    error was ~17% of an all-types partition's samples (1M datasets: 379 frames for 221k rows).
    """
    texts = [messages if isinstance(messages, pa.Array) else pa.array(list(messages), pa.string())
             for _filekind, _level, messages in runs]
    lengths = [len(text) for text in texts]
    messages = texts[0] if len(texts) == 1 else pa.concat_arrays(texts) if texts else pa.array([], pa.string())
    encoded = messages.dictionary_encode()
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    return pd.DataFrame({
        "dataset_id": ids,
        "instrument": repeated(instrument, len(codes)),
        "filekind": _runs([run[0] for run in runs], lengths),
        "message": pd.Categorical.from_codes(codes, categories=pd.Index(encoded.dictionary, dtype=STR)),
        "level": _runs([run[1] for run in runs], lengths),
    })


def repeated(text: str, count: int) -> pd.Categorical:
    """``text`` ``count`` times: a Categorical of one ``str`` category (a byte per row)."""
    return pd.Categorical.from_codes(np.zeros(count, dtype=np.int8), categories=pd.Index([text], dtype=STR))


def _runs(labels: list[str], lengths: list[int]) -> pd.Categorical:
    """Each of ``labels`` its length of ``lengths`` times, as a Categorical of the labels of non-empty runs in
    first-seen order (as concatenating one-category frames, empty ones dropped, gives)."""
    if len(set(labels)) == 1 or not any(lengths):
        return repeated(labels[0] if labels else "", sum(lengths))
    index: dict[str, int] = {}
    codes = [index.setdefault(label, len(index)) if length else 0 for label, length in zip(labels, lengths)]
    return pd.Categorical.from_codes(np.repeat(np.array(codes, dtype=np.int32), lengths),
                                     categories=pd.Index(list(index), dtype=STR))
