"""CRDS save files (``--save-pickle`` / ``--load-pickles``): streaming read, write.

``.json`` saves hold one ``{dataset_id: {PARAM: value}}`` object per line (a
whole-file object is accepted too); ``.pkl`` saves hold a pickled dict of the
same shape. Lines are read in batches, never the whole file: a malformed line
is reported as ``file:line: reason`` and the other lines go on.
"""
from __future__ import annotations

import json
import os
import pickle
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import CrdsBatchError
from . import schema as S

try:  # orjson parses saves several times faster than json; json is the fallback.
    import orjson

    _loads: Callable[[bytes], Any] = orjson.loads
    _DecodeError: type[Exception] = orjson.JSONDecodeError
except ImportError:  # pragma: no cover - orjson is a declared dependency
    _loads = json.loads
    _DecodeError = json.JSONDecodeError


class SaveFormatError(CrdsBatchError):
    """A save file cannot be read at all (unknown suffix, untrusted pickle, bad pickle...)."""


@dataclass
class SaveBatch:
    """Datasets of one batch of a save, in file order (a later duplicate replaces an earlier one)."""

    ids: list[str] = field(default_factory=list)
    headers: list[dict] = field(default_factory=list)
    #: ``file:line: reason`` for every line skipped in this batch.
    bad_lines: list[str] = field(default_factory=list)
    #: ``file:line: dataset ID: reason`` for datasets skipped in this batch.
    bad_datasets: list[str] = field(default_factory=list)


def save_kind(path: str) -> str | None:
    """``"json"`` or ``"pkl"`` for a save file name, else None."""
    lower = path.lower()
    if lower.endswith(".json"):
        return "json"
    if lower.endswith(".pkl"):
        return "pkl"
    return None


def iter_save(path: str, *, batch_bytes: int = 32 << 20, trust_pickles: bool = False) -> Iterator[SaveBatch]:
    """Yield the datasets of save file ``path`` in batches.

    Parameters
    ----------
    path : str
        A ``.json`` or ``.pkl`` save.
    batch_bytes : int
        Approximate bytes of JSON read per batch (memory is bounded by it).
    trust_pickles : bool
        Unpickling runs code from the file: ``.pkl`` saves are refused unless True.
    """
    kind = save_kind(path)
    if kind == "json":
        yield from _iter_json(path, batch_bytes)
    elif kind == "pkl":
        if not trust_pickles:
            raise SaveFormatError(
                f"{path}: refusing to load a pickle (loading one runs code from it); "
                "pass --trust-pickles for your own files"
            )
        yield from _iter_pickle(path)
    else:
        raise SaveFormatError(f"{path}: a save file must end with .json or .pkl")


def _iter_json(path: str, batch_bytes: int) -> Iterator[SaveBatch]:
    with open(path, "rb") as handle:
        first_line = 0
        first = True
        while True:
            lines = handle.readlines(batch_bytes)
            if not lines:
                return
            if first:
                first = False
                whole = _maybe_whole_file(path, lines)
                if whole is not None:
                    yield whole
                    return
            yield _parse_lines(path, lines, first_line)
            first_line += len(lines)


def _maybe_whole_file(path: str, lines: list[bytes]) -> SaveBatch | None:
    """A save whose first non-blank line is not JSON may be one whole-file object (crds accepts it)."""
    for line in lines:
        if line.strip():
            try:
                _loads(line)
                return None
            except _DecodeError:
                break
    else:
        return None
    # Only now is the file read whole: it is one JSON value, it cannot be streamed.
    try:
        with open(path, "rb") as handle:
            obj = _loads(handle.read())
    except (_DecodeError, OSError):
        return None  # not a whole-file object either: report it line by line
    batch = SaveBatch()
    if not isinstance(obj, dict):
        batch.bad_lines.append(f"{path}:1: not a JSON object of datasets")
        return batch
    _add_datasets(batch, obj, f"{path}:1")
    return batch


def _parse_lines(path: str, lines: list[bytes], first_line: int) -> SaveBatch:
    batch = SaveBatch()
    try:
        # Fast path: every line one object of dict parameter sets (what crds writes).
        parsed = list(map(_loads, lines))
        for obj in parsed:
            for header in obj.values():
                if type(header) is not dict or not all(type(v) in _SCALARS for v in header.values()):
                    raise TypeError
            if max(map(len, obj), default=0) > S.MAX_ID_CHARS:
                raise TypeError
        for obj in parsed:
            batch.ids.extend(obj)
            batch.headers.extend(obj.values())
        return batch
    except (_DecodeError, TypeError, AttributeError):
        batch = SaveBatch()
    for number, line in enumerate(lines, first_line + 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            obj = _loads(line)
        except _DecodeError as exc:
            batch.bad_lines.append(f"{where}: invalid JSON: {_decode_reason(exc)}")
            continue
        if not isinstance(obj, dict):
            batch.bad_lines.append(f"{where}: not a JSON object {{dataset_id: {{PARAM: value}}}}")
            continue
        _add_datasets(batch, obj, where)
    return batch


#: Parameter value types taken as they are; lists and objects are checked for depth first.
_SCALARS = frozenset({str, int, float, bool, type(None)})
#: Lists/objects nested deeper than this in a parameter value make the dataset an error (crds would
#: crash turning the value into a string; real values are scalars).
MAX_VALUE_NESTING = 32


def _too_deep(value) -> bool:
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (list, dict)):
            if depth > MAX_VALUE_NESTING:
                return True
            pending.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def _add_datasets(batch: SaveBatch, obj: dict, where: str) -> None:
    for dataset_id, header in obj.items():
        if isinstance(dataset_id, str) and len(dataset_id) > S.MAX_ID_CHARS:
            batch.bad_datasets.append(f"{where}: dataset {dataset_id:.40}...: an id longer than {S.MAX_ID_CHARS} "
                                      f"characters ({len(dataset_id)}) is refused")
            continue
        if isinstance(header, dict):
            deep = next((key for key, value in header.items()
                         if type(value) not in _SCALARS and _too_deep(value)), None)
            if deep is not None:
                batch.bad_datasets.append(f"{where}: dataset {dataset_id}: parameter {deep!r} is nested "
                                          f"more than {MAX_VALUE_NESTING} levels deep")
                continue
            batch.ids.append(dataset_id)
            batch.headers.append(header)
        else:  # the archive writes an error text in place of parameters it could not get
            batch.bad_datasets.append(f"{where}: dataset {dataset_id}: parameters are not an object: {header!r:.80}")


def _decode_reason(exc: Exception) -> str:
    msg = getattr(exc, "msg", None) or str(exc)
    col = getattr(exc, "colno", None)
    return f"{msg} (column {col})" if col else msg


def _iter_pickle(path: str, batch_rows: int = 100_000) -> Iterator[SaveBatch]:
    try:
        with open(path, "rb") as handle:
            headers = pickle.load(handle)
    except Exception as exc:
        raise SaveFormatError(f"{path}: cannot unpickle: {exc}") from exc
    if not isinstance(headers, dict):
        raise SaveFormatError(f"{path}: pickle does not hold a dict of datasets")
    items = list(headers.items())
    for start in range(0, max(len(items), 1), batch_rows):
        batch = SaveBatch()
        _add_datasets(batch, dict(items[start:start + batch_rows]), path)
        yield batch


def write_json_save(path: str, items: Iterable[tuple[str, dict]]) -> int:
    """Write ``(dataset_id, header)`` items as a crds ``.json`` save, atomically; return the count.

    Each line is ``json.dumps({id: header})``, exactly what crds writes.
    """
    count = 0
    tmp = _temp_name(path)
    try:
        with open(tmp, "w") as out:
            for dataset_id, header in items:
                out.write(json.dumps({dataset_id: header}) + "\n")
                count += 1
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return count


def write_pickle_save(path: str, items: Iterable[tuple[str, dict]]) -> int:
    """Write ``(dataset_id, header)`` items as a crds ``.pkl`` save (one dict, held whole), atomically."""
    headers = dict(items)
    tmp = _temp_name(path)
    try:
        with open(tmp, "wb") as out:
            pickle.dump(headers, out)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return len(headers)


def _temp_name(path: str) -> str:
    directory, name = os.path.split(os.path.abspath(path))
    return os.path.join(directory, f".{name}.{os.getpid()}.tmp")
