"""Which of the store's datasets a batch job reads, processes and skips, and why.

A job reads only the partitions of the instruments it needs (the instruments
the context diff affects, or --instruments), then leaves out rows by
--only-ids/--drop-ids and --datasets-since. Every summary says how many
datasets each step left out, so that an empty result is never silent; and a
store holding no dataset of the context's observatory (or of the instruments
asked for) is an input error, not an empty answer.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ..store.layout import StoreError


class NoDatasetsInScopeError(StoreError):
    """The store holds no dataset the job could process (other observatory or instruments)."""


@dataclass(frozen=True)
class DatasetCounts:
    """Datasets of the store, by what the job did with them."""

    stored: int = 0
    #: Datasets of another observatory than the context's (never read).
    other_observatory: int = 0
    #: Datasets of the context's observatory whose instrument the job does not need (never read).
    other_instruments: int = 0
    #: Read, then left out by --only-ids/--drop-ids.
    filtered_ids: int = 0
    #: Read, then left out as observed before --datasets-since.
    before_since: int = 0
    processed: int = 0

    @property
    def read(self) -> int:
        return self.processed + self.filtered_ids + self.before_since

    def as_dict(self) -> dict[str, int]:
        return {**asdict(self), "read": self.read}

    def line(self) -> str:
        """``N stored, R read, P processed; skipped: ...`` for summaries."""
        reasons = [
            (self.other_observatory, "of another observatory"),
            (self.other_instruments, "of instruments this job does not need"),
            (self.filtered_ids, "left out by --only-ids/--drop-ids"),
            (self.before_since, "observed before --datasets-since"),
        ]
        skipped = "; ".join(f"{count:,} {why}" for count, why in reasons if count) or "none"
        return (f"{self.stored:,} stored, {self.read:,} read, {self.processed:,} processed; "
                f"skipped: {skipped}")


def stored_rows(source: Any) -> dict[tuple[str, str], int]:
    """Datasets per (observatory, instrument), lower case, from the store's manifest."""
    manifest = getattr(source, "manifest", None) or {}
    partitions = manifest.get("partitions", {}).values()
    return {(p["observatory"].lower(), p["instrument"].lower()): int(p.get("rows", 0)) for p in partitions}


def store_rows(source: Any) -> int:
    """Datasets in the store: any job's rows are at most these."""
    return sum(stored_rows(source).values()) or len(source)


def job_rows(source: Any, instruments: Iterable[str]) -> int:
    """Datasets of ``instruments`` (lower case) in the store: the rows a job reading them gets (before any
    id or date filter), from the manifest; the whole store's size when it has no per-instrument counts."""
    rows = stored_rows(source)
    if not rows:
        return len(source)
    wanted = {instrument.lower() for instrument in instruments}
    return sum(n for (_observatory, instrument), n in rows.items() if instrument in wanted)


def check_scope(source: Any, observatory: str, context: str, instruments: Sequence[str] | None = None) -> None:
    """Refuse a store with no dataset of ``observatory`` (or of the ``instruments`` asked for), in one line."""
    held = sorted({(obs.lower(), instr.lower()) for obs, instr in source.instruments()})
    where = getattr(source, "path", "the parameter store")
    mine = [instr for obs, instr in held if obs == observatory]
    if not mine:
        others = ", ".join(sorted({obs.upper() for obs, _ in held})) or "none"
        raise NoDatasetsInScopeError(
            f"{where}: no {observatory.upper()} dataset found for context {context} "
            f"(the store holds datasets of: {others})")
    if instruments is not None and not set(instruments) & set(mine):
        raise NoDatasetsInScopeError(
            f"{where}: no dataset of --instruments {', '.join(sorted(instruments))} found "
            f"(its {observatory.upper()} instruments: {', '.join(mine)})")


def dataset_counts(source: Any, observatory: str, read_instruments: Iterable[str], results: Sequence) -> DatasetCounts:
    """Count what the job did with the store's datasets, from its partition results."""
    rows = stored_rows(source)
    needed = {instrument.lower() for instrument in read_instruments}
    return DatasetCounts(
        stored=sum(rows.values()) if rows else len(source),
        other_observatory=sum(n for (obs, _), n in rows.items() if obs != observatory),
        other_instruments=sum(n for (obs, instr), n in rows.items() if obs == observatory and instr not in needed),
        filtered_ids=sum(r.filtered_ids for r in results),
        before_since=sum(r.before_since for r in results),
        processed=sum(r.datasets for r in results),
    )
