"""Bestrefs of the datasets of CRDS save files (``crds bestrefs --load-pickles X.json``).

The saves are opened as a parameter store (:func:`crds_batch.store.open_params`)
and its partitions (one instrument each) evaluated one after the other, in one
columnar pass per context, parameters dictionary-encoded; updates and
errors are decided exactly as for files (:mod:`.bestrefs`): with no
comparison every successful assignment is an update with old ``None``, as
crds prints it; ``old_context`` or ``compare_source`` compare instead.

Speed (issue 15): a dataset whose every looked-up type gives a file name or
N/A (no failed lookup, no unresolved result, no bad reference, a usable
instrument) is decided a column at a time on the distinct results
(:func:`crds_batch.batch.compare.normalize_column`) and its updates kept as
codes (:class:`.bulk_updates.BulkUpdates`), never as per-dataset objects. Only the other
datasets (a few percent) go through the per-dataset :func:`.bestrefs._compare`.
"""
from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..batch.arrow_pool import use_batch_memory_pool
from ..batch.compare import CompareOptions, normalize_column
from ..cache import load_server_config, resolve_context
from ..engine.types import selection_keywords
from ..observatories import get_observatory, observatory_of_name
from ..rules.loading import load_context
from ..store import input_problems, open_params
from ..store.encoded_read import read_partition_encoded
from ..store import schema as S
from .bulk_updates import BulkUpdates, TripleCodes, UpdatePart
from .bestrefs import (FileOutcome, FilesRequest, FilesResult, _compare, _evaluate, _fail, _instrument_problem,
                       _old_references, describer)


@dataclass
class SavesResult(FilesResult):
    """A :class:`FilesResult` whose trouble-free datasets are summarized in ``bulk``."""

    bulk: BulkUpdates | None = None

    @property
    def dataset_count(self) -> int:
        return len(self.outcomes) + (self.bulk.dataset_count if self.bulk is not None else 0)

    @property
    def update_count(self) -> int:
        return super().update_count + (len(self.bulk) if self.bulk is not None else 0)

    def new_reference_names(self) -> set[str]:
        return super().new_reference_names() | (self.bulk.new_names() if self.bulk is not None else set())

    def new_reference_text(self) -> Iterator[bytes | memoryview]:
        slow = [(outcome.path, [update.line(outcome.path) for update in outcome.updates])
                for outcome in self.outcomes if outcome.updates]
        yield from (self.bulk or BulkUpdates([], 0)).text_chunks(slow)

    def new_reference_lines(self) -> list[str]:
        text = b"".join(bytes(chunk) for chunk in self.new_reference_text()).decode("utf-8")
        return text.split("\n")[:-1] if text else []


def run_saves(saves: Sequence[str], request: FilesRequest, trust_pickles: bool = False) -> SavesResult:
    """Best references of every dataset of ``saves`` under ``request.new_context``.

    ``request.files`` is ignored; the dataset ids take the place of file paths in the result.
    The store's partitions (one instrument each) are read, evaluated and decided one after
    the other, their parameters dictionary-encoded; only one partition's rows are in memory.
    """
    use_batch_memory_pool()
    context_name = resolve_context(request.new_context)
    observatory = observatory_of_name(context_name).name
    new_ctx = load_context(context_name)
    old_ctx = load_context(resolve_context(request.old_context, observatory)) if request.old_context else None
    decider = _Decider(request, observatory, context_name, new_ctx, old_ctx)
    outcomes, foreign, parts, decided = [], [], [], 0
    with open_params(list(saves), trust_pickles=trust_pickles) as store:
        needed = None if request.compare_source else _needed_columns(observatory, (new_ctx, old_ctx))
        problems, problem_count = input_problems(store)
        for part_observatory, instrument in store.instruments():
            names = [name for name in store.schema([instrument]).names if needed is None or name in needed]
            frame = read_partition_encoded(store, part_observatory, instrument, names)
            if part_observatory != observatory:
                # Datasets of another observatory fail one by one, as crds fails them (Unknown instrument 'cos'...).
                foreign += _foreign(frame, context_name)
                continue
            part_outcomes, part, part_decided = decider.decide(frame, instrument.upper())
            outcomes += part_outcomes
            parts.append(part)
            decided += part_decided
            del frame
    # What could not be read (bad lines, datasets without an instrument...) fails, as crds fails it.
    unreadable = [FileOutcome(problem.split(": ", 1)[0], errors=[problem], failed=True) for problem in problems]
    if problem_count > len(problems):
        unreadable.append(FileOutcome("...", errors=[f"... and {problem_count - len(problems)} more input problems"],
                                      failed=True))
    return SavesResult(context_name, outcomes + foreign + unreadable, bulk=BulkUpdates(parts, decided))


def _foreign(frame: pd.DataFrame, context_name: str) -> list[FileOutcome]:
    outcomes = []
    for dataset, instrument in zip(frame[S.DATASET_ID].tolist(), frame[S.INSTRUMENT].astype(str).tolist()):
        outcome = FileOutcome(dataset)
        _fail(outcome, f"{dataset}: unknown instrument {instrument.lower()!r} for context {context_name!r}")
        outcomes.append(outcome)
    return outcomes


class _Decider:
    """Evaluates and decides one partition's datasets (one instrument) at a time."""

    def __init__(self, request: FilesRequest, observatory: str, context_name: str, new_ctx, old_ctx):
        self.request, self.observatory, self.context_name = request, observatory, context_name
        self.new_ctx, self.old_ctx = new_ctx, old_ctx
        self.reftypes = [t.lower() for t in request.types] or None
        self.bad_files = load_server_config(observatory).bad_files
        self.skip = {t.lower() for t in request.skip_types}

    def decide(self, frame: pd.DataFrame, instrument: str) -> tuple[list[FileOutcome], UpdatePart, int]:
        """(outcomes of the datasets decided one by one, the column-wise updates, datasets decided column-wise)."""
        request = self.request
        ids = np.asarray(frame[S.DATASET_ID].to_numpy(dtype=object))
        # The store's normalized dates stay (evaluation reads them; headers take only the string values).
        params = frame.drop(columns=[c for c in S.FIXED_COLUMNS if c in frame.columns and c != S.DATE_KEY])
        new = _evaluate(self.new_ctx, params, self.reftypes)
        old = _evaluate(self.old_ctx, params, self.reftypes) if self.old_ctx is not None else None
        problem = _instrument_problem(request, self.new_ctx, self.old_ctx, instrument, self.bad_files,
                                      self.context_name)
        columns = _Columns(new, old, len(ids), self.skip, self.bad_files)
        del new, old
        if problem is None and not request.compare_source:
            column_wise = ~columns.hard
        else:
            column_wise = np.zeros(len(ids), dtype=bool)
        fast = column_wise & ~columns.failed
        part = columns.updates(column_wise, ids, instrument, compared=self.old_ctx is not None)
        failed_lookups = columns.failed_lookups(column_wise & columns.failed, ids, instrument)
        outcomes = []
        for position in np.flatnonzero(~fast).tolist():
            found = failed_lookups.get(position)
            if found is not None:
                outcomes.append(found)
                continue
            dataset = ids[position]
            outcome = FileOutcome(dataset)
            outcomes.append(outcome)
            if problem:
                _fail(outcome, f"{dataset}: {problem}")
                continue
            outcome.instrument = instrument
            header = _Header(params, position)
            if self.old_ctx is not None:
                old_refs = columns.row(columns.old, position)
            elif request.compare_source:
                old_refs = _old_references(request, None, position, self.observatory, self.new_ctx, instrument,
                                           header.get())
            else:
                old_refs = None
            new_refs = columns.row(columns.new, position)
            _compare(outcome, instrument, new_refs, old_refs, self.skip, header.describer(self.old_ctx, self.new_ctx))
            for update in outcome.updates:
                if update.new.lower() in self.bad_files:
                    message = f"{dataset}: new reference {update.new.lower()!r} is designated scientifically invalid"
                    (outcome.warnings if request.allow_bad_references else outcome.errors).append(message)
        return outcomes, part, int(fast.sum())


def _needed_columns(observatory: str, contexts) -> set[str]:
    """The store columns the lookups read: ids, partitions, instrument and date keywords (and the normalized
    dates, :data:`~crds_batch.store.schema.DATE_KEY`), and every keyword
    the contexts' rmaps read (as check-context reads them); the rest of a save (and the store's own
    product, exposure and timestamp columns) is never looked at."""
    obs = get_observatory(observatory)
    needed = {S.DATASET_ID, *S.PARTITION_COLUMNS, obs.instrument_keyword, *obs.date_keywords, S.DATE_KEY,
              *selection_keywords(observatory)}
    for context in contexts:
        for instrument in context.instruments if context is not None else ():
            try:
                needed.update(context.get_imap(instrument).required_parkeys())
            except Exception:  # an instrument the context cannot load: its datasets fail, per dataset
                pass
    return needed


class _Header:
    """One dataset's string parameters, read from the frame only when asked for (few datasets need them)."""

    def __init__(self, params: pd.DataFrame, position: int):
        self._params, self._position, self._header = params, position, None

    def get(self) -> dict[str, str]:
        if self._header is None:
            row = self._params.iloc[self._position]
            self._header = {k: v for k, v in row.items() if isinstance(v, str)}
        return self._header

    def describer(self, old_ctx, new_ctx):
        return lambda kind, side, result: describer(old_ctx, new_ctx, self.get())(kind, side, result)


class _Columns:
    """The result columns as category codes, with per-row trouble flags and column-wise updates."""

    def __init__(self, new: pd.DataFrame, old: pd.DataFrame | None, nrows: int, skip: set[str], bad_files):
        options = CompareOptions()
        self.nrows = nrows
        self.new = {kind: _codes(new[kind]) for kind in new.columns}
        self.old = {kind: _codes(old[kind]) for kind in old.columns} if old is not None else None
        kinds = sorted(set(new.columns) | set(old.columns if old is not None else ()))
        self.kinds = [kind for kind in kinds if kind not in skip]
        self.kinds.sort(key=str.upper)  # crds's (and _compare's) order: upper-case type names
        self.failed = np.zeros(nrows, dtype=bool)  # a lookup failed (an error line, other types still update)
        self.hard = np.zeros(nrows, dtype=bool)  # unresolved result or bad reference: per-dataset path
        self.normalized = {}
        for kind in self.kinds:
            new_column = normalize_column(new[kind] if kind in new.columns else None, nrows, "New:", options)
            bad = np.array([str(v).lower() in bad_files for v in new_column.value], dtype=bool)
            new_present = self.new[kind][0] >= 0 if kind in self.new else np.zeros(nrows, dtype=bool)
            if old is None:
                present, old_column = new_present, None
            else:
                old_column = normalize_column(old[kind] if kind in old.columns else None, nrows, "Old:", options)
                old_present = self.old[kind][0] >= 0 if kind in self.old else np.zeros(nrows, dtype=bool)
                present = new_present | old_present
                self.hard |= present & old_column.unresolved[old_column.codes]
            self.hard |= present & (new_column.unresolved | bad)[new_column.codes]
            self.failed |= present & ~new_column.ok[new_column.codes]
            self.normalized[kind] = (present, new_column, old_column)

    def row(self, columns: dict, position: int) -> dict[str, str]:
        """One dataset's results ``{TYPE: value}`` (types looked up only), as :func:`.bestrefs._row`."""
        row = {}
        for kind, (codes, categories) in columns.items():
            code = codes[position]
            if code >= 0:
                row[kind.upper()] = categories[code]
        return row

    def failed_lookups(self, rows: np.ndarray, ids: np.ndarray, instrument: str) -> dict[int, FileOutcome]:
        """Outcomes (errors only; their updates are in :meth:`updates`) of ``rows``, worded as :func:`_compare`.

        Each failed lookup is an entry code (its type and message, numbered in type order); a dataset's
        error lines depend only on its sequence of codes, so they are worded once per distinct sequence.
        """
        entries: list[tuple[str, str]] = []  # (TYPE, message) per entry code
        positions, codes = [], []
        candidates = np.flatnonzero(rows)  # few rows: look at those only
        for kind in self.kinds:
            present, new_column, _old_column = self.normalized[kind]
            row_codes = new_column.codes[candidates]
            failed = present[candidates] & ~new_column.ok[row_codes]
            found = candidates[failed]
            if not len(found):
                continue
            categories, inverse = np.unique(row_codes[failed], return_inverse=True)
            codes.append(len(entries) + inverse.reshape(-1))
            entries += [(kind.upper(), str(new_column.error[category])) for category in categories.tolist()]
            positions.append(found)
        if not positions:
            return {}
        position_of = np.concatenate(positions)
        code_of = np.concatenate(codes)
        order = np.lexsort((code_of, position_of))  # by dataset, then type order
        position_of, code_of = position_of[order], code_of[order].tolist()
        starts = np.flatnonzero(np.r_[True, position_of[1:] != position_of[:-1]])
        ends = np.r_[starts[1:], len(position_of)].tolist()
        worded: dict[tuple[int, ...], tuple[list[tuple[str, str]], list[str]]] = {}
        outcomes: dict[int, FileOutcome] = {}
        with collection_paused():  # tens of thousands of small acyclic objects: no garbage cycles to look for
            for start, end, position in zip(starts.tolist(), ends, position_of[starts].tolist()):
                sequence = tuple(code_of[start:end])
                words = worded.get(sequence)
                if words is None:
                    words = worded[sequence] = _worded([entries[code] for code in sequence], instrument)
                path = ids[position]
                outcomes[position] = FileOutcome(path, instrument=instrument, tracked=list(words[0]),
                                                 errors=[path + suffix for suffix in words[1]])
        return outcomes

    def updates(self, rows: np.ndarray, ids: np.ndarray, instrument: str, compared: bool) -> UpdatePart:
        """The updates of ``rows`` (successful lookups only), as triple codes per (row, type)."""
        cells = np.full((self.nrows, len(self.kinds)), -1, dtype=np.int32)
        triples = TripleCodes()
        for rank, kind in enumerate(self.kinds):
            present, new_column, old_column = self.normalized[kind]
            mask = rows & present & new_column.ok[new_column.codes]
            if compared:
                mask &= new_column.value[new_column.codes] != old_column.value[old_column.codes]
            positions = np.flatnonzero(mask)
            if not len(positions):
                continue
            new_codes = new_column.codes[positions]
            old_codes = old_column.codes[positions] if compared else None
            cells[positions, rank] = triples.codes(kind, old_codes, old_column.value if compared else None,
                                                   new_codes, new_column.value)
        return UpdatePart(ids, instrument, cells, triples.triples)


def _worded(tracked: list[tuple[str, str]], instrument: str) -> tuple[list[tuple[str, str]], list[str]]:
    """A dataset's failed lookups ``(TYPE, message)`` in type order, and its error lines after the dataset id:
    one per distinct message, naming its types (as :func:`.bestrefs._compare` words them)."""
    grouped: dict[str, list[str]] = {}
    for kind, message in tracked:
        grouped.setdefault(message, []).append(kind)
    lines = [f": instrument={instrument!r} types={','.join(kinds)}: {message}" for message, kinds in grouped.items()]
    return tracked, lines


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (restored after): allocating many acyclic objects
    otherwise triggers full collections, each walking every live object of the process (the rules...)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    categorical = column if isinstance(column.dtype, pd.CategoricalDtype) else column.astype("category")
    return np.asarray(categorical.cat.codes, dtype=np.int64), np.asarray(categorical.cat.categories, dtype=object)
