"""Errors grouped into classes, exactly as ``crds bestrefs --dump-unique-errors`` groups them.

crds tracks each error with a dataset id, an instrument, a type and a
message, and files it under the key ``(instrument, TYPE, message)``: the
dataset id is the dataset-specific value factored out of the message (the
message text itself carries only rule facts: parameter names, values, the
valid choices). A class keeps its count and the first dataset that raised
it, in crds's processing order (sorted dataset ids). The dump lists the
classes sorted by their key text, one line each::

    000003 errors like:: instrument='ACS' type='BIASFILE' data='J8BT05NJQ' ::  New: Bestref FAILED: ...

Details reproduced from crds:

- ``data`` is the dataset id with ``X:X`` shortened to ``X``;
- a bad context is reported once per instrument under data, instrument
  and type ``ALL``;
- errors that concern a whole dataset ("Failed processing": no instrument,
  an instrument the context lacks, a result that is no file name such as
  tied Match choices) are logged, not tracked: they count in
  ``Untracked errors`` and in the total, but form no class.

This module works on the error frames the batch jobs gather (columns
``dataset_id, instrument, filekind, message, level``); dataset-level errors
have an empty ``filekind``.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


#: crds's banner around the dump.
BANNER = "=" * 20

#: Rows with this dataset id are per-instrument reports (a bad context), not per dataset.
ALL = "ALL"


def annotate_fits_keywords(message: str) -> str:
    """``META.INSTRUMENT.DETECTOR`` -> ``META.INSTRUMENT.DETECTOR [DETECTOR]``, as crds's log does.

    crds filters every log line of a process that loaded its JWST support
    through this annotation, so its error classes are keyed on the annotated
    text; messages without model paths (HST, Roman) are unchanged.
    """
    if "META." not in message:
        return message
    from ..observatories.reference_keywords import annotate_fits_keywords as annotate

    return annotate(message)


def short_id(dataset_id: str) -> str:
    """crds's id in error lines: ``X:X`` -> ``X``; other compound ids unchanged."""
    parts = str(dataset_id).split(":")
    return parts[0] if parts[0] == parts[-1] else str(dataset_id)


@dataclass(frozen=True)
class ErrorClass:
    """One class of errors: its key, how many, and example datasets (first one as crds shows)."""

    instrument: str
    filekind: str
    message: str
    count: int
    examples: tuple[str, ...]

    @property
    def example(self) -> str:
        return self.examples[0] if self.examples else ""

    @property
    def sort_key(self) -> str:
        # crds sorts the classes by the text of its key: "INSTRUMENT TYPE message\n".
        return f"{self.instrument} {self.filekind} {self.message}\n"

    def crds_line(self) -> str:
        """``000003 errors like:: instrument='X' type='Y' data='Z' ::  message`` (crds's log text)."""
        return (f"{self.count:06d} errors like:: instrument={self.instrument.upper()!r} "
                f"type={self.filekind.upper()!r} data={self.example!r} ::  {self.message}")


@dataclass(frozen=True)
class UniqueErrors:
    """Every error class of a run, with the totals crds prints under the dump."""

    classes: tuple[ErrorClass, ...]
    tracked: int
    untracked: int
    #: Dataset-level ("Failed processing") errors: dataset id -> message.
    dataset_failures: tuple[tuple[str, str], ...] = ()

    @property
    def total(self) -> int:
        """All errors, as crds's final ``N errors``."""
        return self.tracked + self.untracked

    def above(self, threshold: int = 1) -> list[ErrorClass]:
        """Classes with at least ``threshold`` errors (crds --unique-threshold)."""
        return [cls for cls in self.classes if cls.count >= threshold]

    def crds_lines(self, threshold: int = 1) -> list[str]:
        """The dump as crds logs it (without crds's ``CRDS - INFO -`` prefix), line for line."""
        lines = []
        if threshold > 1:
            lines.append(f"Limiting error class reporting to cases with at least {threshold} instances.")
        lines.append(f"{BANNER} unique error classes {BANNER}")
        shown = self.above(threshold)
        lines.extend(cls.crds_line() for cls in shown)
        lines.append(f"All unique error types: {len(shown)}")
        lines.append(f"Untracked errors: {self.untracked}")
        lines.append(f"{BANNER} {'=' * len('unique error classes')} {BANNER}")
        return lines

    def to_frame(self) -> pd.DataFrame:
        """One row per class: instrument, filekind, message, count, example, examples."""
        return pd.DataFrame({
            "instrument": [c.instrument for c in self.classes],
            "filekind": [c.filekind for c in self.classes],
            "message": [c.message for c in self.classes],
            "count": [c.count for c in self.classes],
            "example": [c.example for c in self.classes],
            "examples": [" ".join(c.examples) for c in self.classes],
        })


_REPORT_COLUMNS = ["dataset_id", "instrument", "filekind", "message"]
_FAILURE_COLUMNS = ["dataset_id", "message"]


@dataclass(frozen=True)
class ErrorTally:
    """What a piece of a run's error rows (a partition's) adds to :func:`error_totals`, without its rows.

    Small enough to travel with a partition's summary: the per-dataset tracked errors as a count; the
    per-instrument reports (a bad context: once per instrument however many partitions report it) and the
    dataset-level failures as rows, because pieces share them; warnings as a count.
    """

    tracked: int = 0
    #: Per-instrument reports: ``dataset_id, instrument, filekind, message`` (strings); None: none.
    reports: pd.DataFrame | None = None
    #: Dataset-level failures: ``dataset_id, message`` (strings), in the rows' order; None: none.
    failures: pd.DataFrame | None = None
    warnings: int = 0


def _error_masks(errors: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of an error frame: (a per-dataset tracked error, a per-instrument report, a dataset-level failure);
    warnings are none of them."""
    error = (errors["level"] == "error").to_numpy(dtype=bool)
    dataset_level = error & (errors["filekind"] == "").to_numpy(dtype=bool)
    report = error & ~dataset_level & (errors["dataset_id"] == ALL).to_numpy(dtype=bool)
    return error & ~dataset_level & ~report, report, dataset_level


def _strings_of(errors: pd.DataFrame, rows: np.ndarray, columns: list[str]) -> pd.DataFrame | None:
    """``columns`` of the chosen ``rows`` as strings; None when no row is chosen (the usual case)."""
    return errors.loc[rows, columns].astype(str).reset_index(drop=True) if rows.any() else None


def _unique_reports(reports: pd.DataFrame) -> pd.DataFrame:
    """The per-instrument reports once per (instrument, message), filed under instrument ``ALL``."""
    return reports.drop_duplicates(["instrument", "message"]).assign(instrument=ALL)


def _unique_failures(pieces: Sequence[pd.DataFrame | None]) -> pd.DataFrame:
    """The dataset-level failures of every piece (None: none), one per dataset (its first), sorted by id."""
    found = [piece for piece in pieces if piece is not None]
    if not found:
        return pd.DataFrame(columns=_FAILURE_COLUMNS)
    failures = pd.concat(found, ignore_index=True)
    return failures.drop_duplicates("dataset_id").sort_values("dataset_id", kind="stable")


def _tallied(errors: pd.DataFrame) -> tuple[ErrorTally, np.ndarray]:
    """The :class:`ErrorTally` of an error frame, and which of its rows are per-dataset tracked errors."""
    tracked, report, dataset_level = _error_masks(errors)
    return ErrorTally(int(tracked.sum()), _strings_of(errors, report, _REPORT_COLUMNS),
                      _strings_of(errors, dataset_level, _FAILURE_COLUMNS),
                      int((errors["level"] == "warning").sum())), tracked


def _tracked_and_failures(errors: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The errors crds tracks (per-instrument reports once each, under instrument ALL), and the
    dataset-level failures (one per dataset, sorted by id).

    The tracked rows keep the error frame's column types (the batch jobs' Categoricals: no string per row)
    unless a bad context's reports are among them.
    """
    tally, rows = _tallied(errors)
    tracked = errors.loc[rows, _REPORT_COLUMNS]
    tracked = tracked.astype({name: str for name, dtype in tracked.dtypes.items()
                              if not isinstance(dtype, (pd.CategoricalDtype, pd.StringDtype))})
    if tally.reports is not None:
        tracked = pd.concat([tracked.astype(str), _unique_reports(tally.reports)], ignore_index=True)
    return tracked, _unique_failures([tally.failures])


def tally_errors(errors: pd.DataFrame) -> ErrorTally:
    """The :class:`ErrorTally` of an error frame (a partition's)."""
    if errors is None or errors.empty:
        return ErrorTally()
    return _tallied(errors)[0]


def totals_of(tallies: Sequence[ErrorTally]) -> UniqueErrors:
    """:func:`error_totals` of the rows of every tally's piece, from the tallies alone."""
    reports = [tally.reports for tally in tallies if tally.reports is not None]
    unique_reports = len(_unique_reports(pd.concat(reports, ignore_index=True))) if reports else 0
    failures = _unique_failures([tally.failures for tally in tallies])
    return UniqueErrors((), sum(tally.tracked for tally in tallies) + unique_reports, len(failures),
                        tuple(zip(failures["dataset_id"], failures["message"])))


def error_totals(errors: pd.DataFrame) -> UniqueErrors:
    """The totals and dataset failures of :func:`classify`, without forming the classes.

    A large run's errors form hundreds of thousands of classes (messages quote the
    values that failed); the exit status and the summary need only the counts.
    """
    return totals_of([tally_errors(errors)])


def most_common(errors: pd.DataFrame, count: int = 5) -> list[tuple[tuple[str, str, str], int]]:
    """The ``count`` most frequent (instrument, filekind, message) of the error-level rows with their numbers,
    most first, ties in order of first appearance (as ``collections.Counter.most_common``), counted on the
    columns' codes (no string per row)."""
    keys = ["instrument", "filekind", "message"]
    frame = errors.loc[errors["level"] == "error", keys]
    if frame.empty:
        return []
    sizes = frame.groupby(keys, sort=False, observed=True, dropna=False).size()
    top = sizes.sort_values(ascending=False, kind="stable").head(count)
    return [(tuple(key), int(n)) for key, n in top.items()]


def classify(errors: pd.DataFrame, *, max_examples: int = 5) -> UniqueErrors:
    """Group an error frame into crds's unique error classes.

    Parameters
    ----------
    errors : pandas.DataFrame
        Columns ``dataset_id, instrument, filekind, message, level``; only
        ``level == "error"`` rows count (warnings are not tracked by crds).
    max_examples : int
        Example ids kept per class (the first is the one crds prints).

    Returns
    -------
    UniqueErrors
    """
    if errors is None or errors.empty:
        return UniqueErrors((), 0, 0)
    tracked, failures = _tracked_and_failures(errors)
    if tracked.empty:
        return UniqueErrors((), 0, len(failures), tuple(zip(failures["dataset_id"], failures["message"])))
    # Keys as integer codes: one class id per row, the work done on the few distinct keys.
    instrument, instrument_names = _codes(tracked["instrument"], str.upper)
    filekind, filekind_names = _codes(tracked["filekind"], str.upper)
    message, message_texts = _codes(tracked["message"], annotate_fits_keywords)
    combined = (instrument * len(filekind_names) + filekind) * len(message_texts) + message
    class_of_row, class_codes = pd.factorize(combined)
    class_keys = []
    for code in class_codes.tolist():
        rest, m = divmod(code, len(message_texts))
        i, f = divmod(rest, len(filekind_names))
        class_keys.append((instrument_names[i], filekind_names[f], message_texts[m]))
    # crds meets datasets in sorted-id order: the first one it meets names the class.
    id_strings = _strings(tracked["dataset_id"])
    ids = id_strings.to_numpy(zero_copy_only=False)
    order = pc.sort_indices(id_strings).to_numpy()  # stable, code point order (Python's)
    classes_sorted = class_of_row[order]
    counts = np.bincount(class_of_row, minlength=len(class_keys))
    dataset_codes = id_strings.dictionary_encode().indices.to_numpy(zero_copy_only=False)[order]
    distinct = ~pd.DataFrame({"c": classes_sorted, "d": dataset_codes}).duplicated().to_numpy()
    rows = order[distinct]
    firsts = pd.Series(classes_sorted[distinct])
    keep = (firsts.groupby(firsts, sort=False).cumcount() < max_examples).to_numpy()
    examples: dict[int, list[str]] = {}
    for class_id, dataset_id in zip(firsts.to_numpy()[keep].tolist(), ids[rows[keep]].tolist()):
        examples.setdefault(class_id, []).append(short_id(dataset_id))
    classes = [ErrorClass(*key, int(counts[class_id]), tuple(examples[class_id]))
               for class_id, key in enumerate(class_keys)]
    classes.sort(key=lambda c: c.sort_key)
    return UniqueErrors(tuple(classes), len(tracked), len(failures),
                        tuple(zip(failures["dataset_id"], failures["message"])))


def _codes(column: pd.Series, transform) -> tuple[np.ndarray, list[str]]:
    """(int64 code per row, distinct values) of ``column`` after ``transform``, applied once per distinct value
    (a Categorical's own codes and categories; other columns dictionary-encoded by Arrow)."""
    if isinstance(column.dtype, pd.CategoricalDtype) and (column.cat.codes.to_numpy() >= 0).all():
        raw = column.cat.codes.to_numpy()
        values = [str(value) for value in column.cat.categories.tolist()]
    else:
        encoded = _strings(column).dictionary_encode()
        raw = encoded.indices.to_numpy(zero_copy_only=False)
        values = encoded.dictionary.to_pylist()
    codes, uniques = pd.factorize(np.array([transform(value) for value in values], dtype=object))
    return codes.astype(np.int64)[raw], list(uniques)


def _strings(column: pd.Series) -> pa.Array:
    """A string column (no missing values) as one Arrow string array."""
    array = pa.array(column.array) if isinstance(column.dtype, pd.StringDtype) else pa.array(
        column.to_numpy(dtype=object).tolist(), pa.string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.string()) if array.type != pa.string() else array


def strip_crds_prefix(lines: Sequence[str]) -> list[str]:
    """crds log lines -> bare messages (drops ``CRDS - INFO -`` and the like), for comparisons."""
    out = []
    for line in lines:
        for level in ("INFO", "ERROR", "WARNING", "DEBUG"):
            prefix = f"CRDS - {level} -  "
            if line.startswith(prefix):
                line = line[len(prefix):]
                break
        out.append(line)
    return out
