"""Stream generated frames to a CRDS save file (``.json``: one ``{id: {PARAM: value}}`` per line)."""
from __future__ import annotations

import json
import os
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..errors import CrdsBatchError

ID_COLUMN = "dataset_id"


def save_lines(frame: pd.DataFrame) -> list[str]:
    """The save-file lines of one frame; absent (``None``) parameters are left out of a line.

    Each column is encoded once per distinct value (columns hold few), then
    lines are joined from the encoded pieces.
    """
    pieces = []
    for name in frame.columns:
        if name == ID_COLUMN:
            continue
        codes, uniques = pd.factorize(frame[name].to_numpy(dtype=object), use_na_sentinel=True)
        key = json.dumps(str(name))
        table = np.array([f", {key}: {json.dumps(str(value))}" for value in uniques] + [""], dtype=object)
        pieces.append(table[codes].tolist())
    ids = [json.dumps(str(dataset_id)) for dataset_id in frame[ID_COLUMN].tolist()]
    if not pieces:
        return ["{" + dataset_id + ": {}}\n" for dataset_id in ids]
    return ["{" + dataset_id + ": {" + "".join(parts)[2:] + "}}\n" for dataset_id, parts in zip(ids, zip(*pieces))]


def write_save(chunks: Iterable[pd.DataFrame], path: str | os.PathLike) -> int:
    """Write ``chunks`` (frames with a ``dataset_id`` column) to the ``.json`` save ``path``.

    The file is written to a temporary name and renamed when complete, so a
    reader never sees half a save. Returns the number of datasets written.
    """
    path = os.fspath(path)
    if not path.endswith(".json"):
        raise CrdsBatchError(f"Save files are written as .json (one dataset per line), not {path!r}")
    temporary = f"{path}.tmp{os.getpid()}"
    count = 0
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            for frame in chunks:
                handle.writelines(save_lines(frame))
                count += len(frame)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return count


def frame_params(frame: pd.DataFrame) -> dict[str, dict[str, str]]:
    """``{dataset_id: {PARAM: value}}`` of a generated frame, absent parameters left out (as in a save)."""
    names = [name for name in frame.columns if name != ID_COLUMN]
    result = {}
    for dataset_id, values in zip(frame[ID_COLUMN].tolist(), frame[names].itertuples(index=False, name=None)):
        result[dataset_id] = {name: value for name, value in zip(names, values)
                              if value is not None and not (isinstance(value, float) and np.isnan(value))}
    return result
