"""Dataset selection: ``--instruments``, ``--only-ids``, ``--drop-ids``, ``--datasets-since``.

Ids are normalized as crds bestrefs normalizes command-line ids: upper case,
and a bare ``X`` means ``X:X``. Stored ids are compared as written.
"""
from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from ..errors import CrdsBatchError
from . import schema as S


class SelectionError(CrdsBatchError):
    """A selection option cannot be understood (unreadable @file, bad date...)."""


def normalize_id(dataset_id: str) -> str:
    """Upper-case ``dataset_id``; a bare ``X`` becomes ``X:X`` (crds bestrefs' rule)."""
    dataset_id = dataset_id.strip().upper()
    return dataset_id if ":" in dataset_id else f"{dataset_id}:{dataset_id}"


def parse_ids(values: Iterable[str] | None) -> list[str] | None:
    """Expand ``--only-ids``/``--drop-ids`` values: words, commas, and ``@file`` (one id a line, # comments).

    Returns None when no value was given (meaning "no restriction").
    """
    if values is None:
        return None
    ids: list[str] = []
    for value in values:
        if value.startswith("@"):
            try:
                with open(value[1:]) as handle:
                    words = [w for line in handle for w in line.split("#", 1)[0].replace(",", " ").split()]
            except OSError as exc:
                raise SelectionError(f"cannot read id list {value[1:]}: {exc.strerror}") from None
        else:
            words = value.replace(",", " ").split()
        ids.extend(normalize_id(w) for w in words)
    return ids


#: The date crds gives a dataset without date keywords.
NO_DATE = "1900-01-01 00:00:00"

_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S",
                 "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")


def parse_since(value: str | None) -> str | None:
    """Normalize a ``--datasets-since`` date to ``YYYY-MM-DD HH:MM:SS`` (compared as a string, as crds does)."""
    if value is None or value == "":
        return None
    text = re.sub(r"\s+", " ", value.strip())
    for fmt in _DATE_FORMATS:
        try:
            parsed = datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed.isoformat(" ")
    raise SelectionError(f"--datasets-since: cannot read date {value!r} (use YYYY-MM-DD[ HH:MM:SS])")


@dataclass(frozen=True)
class Selection:
    """Which datasets of a store to read."""

    instruments: tuple[str, ...] | None = None
    only_ids: tuple[str, ...] | None = None
    drop_ids: tuple[str, ...] = ()
    datasets_since: str | None = None

    @classmethod
    def of(cls, instruments: Sequence[str] | None = None, only_ids: Sequence[str] | None = None,
           drop_ids: Sequence[str] | None = None, datasets_since: str | None = None) -> Selection:
        """Build from option values (ids normalized, date parsed)."""
        return cls(
            instruments=tuple(i.lower() for i in instruments) if instruments else None,
            only_ids=tuple(normalize_id(i) for i in only_ids) if only_ids is not None else None,
            drop_ids=tuple(normalize_id(i) for i in drop_ids or ()),
            datasets_since=parse_since(datasets_since),
        )

    def row_filter(self) -> ds.Expression | None:
        """The row filter for pyarrow.dataset (instrument pruning is done on partitions)."""
        parts = []
        if self.only_ids is not None:
            parts.append(ds.field(S.DATASET_ID).isin(list(self.only_ids)))
        if self.drop_ids:
            parts.append(~ds.field(S.DATASET_ID).isin(list(self.drop_ids)))
        if self.datasets_since:
            # crds dates a dataset without date keywords 1900-01-01 00:00:00.
            stamp = pc.coalesce(ds.field(S.TIMESTAMP), pa.scalar(NO_DATE))
            parts.append(stamp >= pa.scalar(self.datasets_since))
        if not parts:
            return None
        expr = parts[0]
        for part in parts[1:]:
            expr = expr & part
        return expr
