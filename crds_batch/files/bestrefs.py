"""Workstation bestrefs: best references for dataset files, optionally written into their headers.

The same job as ``crds bestrefs --files F... [--update-bestrefs]``, for many
files at once: headers are read in parallel worker processes, the best
references of all files are computed in one columnar evaluation per context
(:func:`crds_batch.engine.evaluate.evaluate`), and the header updates are
written in parallel again, each one atomically (:mod:`.atomic`).

What counts as an update follows crds: with no comparison (no old context,
no ``compare_source``) every successful new assignment is an update (old is
None); with an old context or the recorded assignments, only changed ones.
A failed lookup of one type is an error for that type, the file's other
types are still written (as crds does).  A file that cannot be read, has no
known instrument, or gets bad rules/references (not allowed) is one error
and is left untouched.
"""
from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import pandas as pd

from ..api import header_instrument
from ..batch.compare import CompareOptions, is_unresolved, normalize
from ..cache import load_server_config, resolve_context
from ..errors import CrdsBatchError
from ..observatories import observatory_of_name
from ..rules.loading import instrument_closure, load_context
from ..rules.ambiguity import describe_unresolved
from ..rules.lookup import clean_parameters
from .atomic import remove_stale_temps
from .headers import FileParameters, HeaderError, read_parameters
from .update import RefUpdate, is_writable, reference_keyword, write_bestrefs

Progress = Callable[[int, int], None]
#: Below this many files the work stays in this process: workers cost more than they save.
PARALLEL_MIN_FILES = 32
#: The context of a result whose files could not be read (and none was given).
NO_CONTEXT = "no context"


@dataclass(frozen=True)
class FilesRequest:
    """What ``crds-batch bestrefs --files`` was asked to do."""

    files: tuple[str, ...]
    new_context: str | None = None
    old_context: str | None = None
    compare_source: bool = False
    types: tuple[str, ...] = ()
    skip_types: tuple[str, ...] = ()
    update: bool = False
    allow_bad_rules: bool = False
    allow_bad_references: bool = False
    workers: int | None = None


@dataclass
class FileOutcome:
    """The result for one file: its updates, its error lines, whether it was rewritten."""

    path: str
    instrument: str | None = None
    updates: list[RefUpdate] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    written: bool = False
    failed: bool = False  # the whole file failed: no lookups, no update
    tracked: list[tuple[str, str]] = field(default_factory=list)  # (TYPE, message) per failed lookup, as crds tracks


@dataclass
class FilesResult:
    """All outcomes, in the order the files were given."""

    context: str
    outcomes: list[FileOutcome]

    @property
    def error_count(self) -> int:
        return sum(len(outcome.errors) for outcome in self.outcomes)

    @property
    def dataset_count(self) -> int:
        return len(self.outcomes)

    @property
    def update_count(self) -> int:
        return sum(len(outcome.updates) for outcome in self.outcomes)

    @property
    def failed_count(self) -> int:
        """Datasets (or files) with at least one error."""
        return sum(1 for outcome in self.outcomes if outcome.errors)

    def new_reference_names(self) -> set[str]:
        """The new references of the updates, lower-cased (N/A included)."""
        return {update.new.lower() for outcome in self.outcomes for update in outcome.updates}

    def error_frame(self) -> pd.DataFrame:
        """Errors as :func:`crds_batch.batch.unique_errors.classify` takes them: a row per failed lookup
        (tracked by crds), one per dataset for the rest (a failed dataset, a bad reference: logged, untracked)."""
        rows = []
        for outcome in self.outcomes:
            rows += [(outcome.path, outcome.instrument or "", kind, message, "error") for kind, message in outcome.tracked]
            if len(outcome.errors) > len({message for _kind, message in outcome.tracked}):
                rows.append((outcome.path, outcome.instrument or "", "", outcome.errors[0], "error"))
        return pd.DataFrame(rows, columns=["dataset_id", "instrument", "filekind", "message", "level"])

    def messages(self) -> list[str]:
        """The ``WARNING:``/``ERROR:`` lines of every outcome, in order."""
        lines = []
        for outcome in self.outcomes:
            lines += [f"WARNING: {message}" for message in outcome.warnings]
            lines += [f"ERROR: {message}" for message in outcome.errors]
        return lines

    def new_reference_text(self) -> Iterator[bytes]:
        """The ``--print-new-references`` lines as UTF-8 text, each ending in a newline (in chunks)."""
        lines = self.new_reference_lines()
        if lines:
            yield ("\n".join(lines) + "\n").encode("utf-8")

    def new_reference_lines(self) -> list[str]:
        """``--print-new-references`` lines, datasets sorted as crds sorts them."""
        return [update.line(outcome.path)
                for outcome in sorted(self.outcomes, key=lambda o: o.path) for update in outcome.updates]


def run_files(request: FilesRequest, progress: Progress | None = None) -> FilesResult:
    """Compute (and with ``request.update`` write) the best references of ``request.files``."""
    paths = list(request.files)
    read = _map(_read_one, paths, request.workers, progress)
    outcomes = [FileOutcome(path) for path in paths]
    params: dict[int, FileParameters] = {}
    for i, item in enumerate(read):
        if isinstance(item, str):
            _fail(outcomes[i], item)
        else:
            params[i] = item
    observatory = _observatory(request.new_context, params)
    if observatory is None and not params:
        return FilesResult(NO_CONTEXT, outcomes)  # no file could be read: their errors say why
    context_name = resolve_context(request.new_context, observatory)
    if observatory is None:
        observatory = observatory_of_name(context_name).name
    for i in [i for i, p in params.items() if p.observatory != observatory]:
        _fail(outcomes[i], f"{paths[i]}: a {params.pop(i).observatory} dataset cannot use context {context_name!r}")
    _assign(request, observatory, context_name, params, outcomes)
    if request.update:
        _write_all(request, observatory, context_name, outcomes, progress)
    return FilesResult(context_name, outcomes)


def _observatory(context: str | None, params: dict[int, FileParameters]) -> str | None:
    if context:
        try:
            return observatory_of_name(context).name
        except Exception:
            pass  # symbolic like "latest": take the files' observatory
    return next((p.observatory for p in params.values()), None)


def _assign(request: FilesRequest, observatory: str, context_name: str, params: dict[int, FileParameters],
            outcomes: list[FileOutcome]) -> None:
    """Best references of every readable file, evaluated together, turned into updates and errors."""
    if not params:
        return
    new_ctx = load_context(context_name)
    old_ctx = load_context(resolve_context(request.old_context, observatory)) if request.old_context else None
    rows = sorted(params)
    records = [clean_parameters(params[i].parameters, observatory) for i in rows]
    frame = pd.DataFrame.from_records(records)
    reftypes = [t.lower() for t in request.types] or None
    new = _evaluate(new_ctx, frame, reftypes)
    old = _evaluate(old_ctx, frame, reftypes) if old_ctx is not None else None
    bad_files = load_server_config(observatory).bad_files
    skip = {t.lower() for t in request.skip_types}
    for position, i in enumerate(rows):
        outcome, header = outcomes[i], params[i].parameters
        instrument = header_instrument(records[position])
        problem = _instrument_problem(request, new_ctx, old_ctx, instrument, bad_files, context_name)
        if problem:
            _fail(outcome, f"{outcome.path}: {problem}")
            continue
        outcome.instrument = instrument
        new_refs = _row(new, position)
        bad = sorted(name for name in map(str, new_refs.values()) if os.path.basename(name) in bad_files)
        if bad and not request.allow_bad_references:
            _fail(outcome, f"{outcome.path}: recommended reference {bad[0]!r} is designated scientifically invalid")
            continue
        outcome.warnings += [f"{outcome.path}: recommended reference {name!r} is designated scientifically invalid"
                             for name in bad]
        old_refs = _old_references(request, old, position, observatory, new_ctx, instrument, header)
        _compare(outcome, instrument, new_refs, old_refs, skip, describer(old_ctx, new_ctx, records[position]))


def _evaluate(context, frame: pd.DataFrame, reftypes: list[str] | None) -> pd.DataFrame:
    from ..engine.evaluate import evaluate
    from ..engine.types import BESTREFS

    return evaluate(context, frame, reftypes, type_rule=BESTREFS)


def _row(results: pd.DataFrame, position: int) -> dict[str, str]:
    row = results.iloc[position]
    return {kind.upper(): value for kind, value in row.items() if isinstance(value, str)}


def _instrument_problem(request: FilesRequest, new_ctx, old_ctx, instrument: str | None, bad_files,
                        context_name: str) -> str | None:
    if instrument is None:
        return "no instrument keyword in header: cannot determine instrument"
    for ctx in (new_ctx, old_ctx):
        if ctx is None:
            continue
        try:
            ctx.get_imap(instrument)
        except Exception:
            return f"unknown instrument {instrument.lower()!r} for context {ctx.name!r}"
        bad = sorted(set(instrument_closure(ctx, instrument)) & bad_files)
        if bad and not request.allow_bad_rules:
            return (f"context {ctx.name!r} is bad or contains bad rules {bad}; use is not recommended "
                    "(--allow-bad-rules or CRDS_ALLOW_BAD_RULES to use it)")
    return None


def _old_references(request, old: pd.DataFrame | None, position: int, observatory: str, ctx, instrument: str,
                    header: dict[str, str]) -> dict[str, str] | None:
    """What new results are compared with: the old context's, the recorded assignments, or nothing."""
    if old is not None:
        return _row(old, position)
    if request.compare_source:
        return _recorded(observatory, ctx, instrument, header)
    return None


def _recorded(observatory: str, ctx, instrument: str, header: dict[str, str]) -> dict[str, str]:
    """The assignments recorded in a header, per type of the instrument (crds get_old_bestrefs)."""
    recorded = {}
    for filekind in ctx.get_imap(instrument).filekinds:
        keyword = reference_keyword(observatory, filekind)
        value = header.get(keyword, header.get(filekind.upper(), "UNDEFINED"))
        recorded[filekind.upper()] = value
    return recorded


def _compare(outcome: FileOutcome, instrument: str, new_refs: dict[str, str], old_refs: dict[str, str] | None,
             skip: set[str], describe: Callable[[str, str, str], str] | None = None) -> None:
    """Updates and errors of one dataset; ``describe(kind, side, result)`` words a result that is no file name."""
    options = CompareOptions()
    failed: dict[str, list[str]] = {}  # one line per distinct failure, naming all its types
    kinds = sorted(set(new_refs) | set(old_refs or {}))
    for kind in kinds:
        if kind.lower() in skip or (old_refs is None and kind not in new_refs):
            continue
        unresolved = _unresolved_side(kind, new_refs, old_refs)
        if unresolved:  # crds fails the whole dataset here: the types before keep their errors, no update
            side, value = unresolved
            text = describe(kind, side, value) if describe else f"{kind} result {value} is no file name"
            outcome.updates.clear()
            _fail(outcome, f"{outcome.path}: Failed processing ({side} context): {text}")
            break
        new_ok, new, message = normalize(new_refs.get(kind), "New:", options)
        if not new_ok:
            failed.setdefault(str(message), []).append(kind)
            outcome.tracked.append((kind, str(message)))
            continue
        if old_refs is None:
            outcome.updates.append(RefUpdate(instrument, kind.lower(), None, new))
            continue
        _ok, old, _message = normalize(old_refs.get(kind), "Old:", options)
        if new != old:
            outcome.updates.append(RefUpdate(instrument, kind.lower(), old, new))
    for message, failed_kinds in failed.items():
        outcome.errors.append(f"{outcome.path}: instrument={instrument!r} types={','.join(failed_kinds)}: {message}")


def _unresolved_side(kind: str, new_refs: dict[str, str], old_refs: dict[str, str] | None) -> tuple[str, str] | None:
    """("old"/"new", result) when a result of ``kind`` is no file name (the old side is looked at first, as crds)."""
    for side, refs in (("old", old_refs or {}), ("new", new_refs)):
        if is_unresolved(refs.get(kind)):
            return side, refs[kind]
    return None


def describer(old_ctx, new_ctx, parameters: dict[str, str]) -> Callable[[str, str, str], str]:
    """``describe(kind, side, result)`` for :func:`_compare`, over one dataset's parameters."""
    def describe(kind: str, side: str, result: str) -> str:
        context = old_ctx if side == "old" else new_ctx
        if context is None:
            return f"recorded {kind} {result} is no file name"
        return describe_unresolved(context, parameters, kind.lower(), result)
    return describe


def _write_all(request: FilesRequest, observatory: str, context_name: str, outcomes: list[FileOutcome],
               progress: Progress | None) -> None:
    todo = [o for o in outcomes if o.updates and not o.failed]
    for outcome in todo:
        if not is_writable(outcome.path):
            outcome.warnings.append(f"{outcome.path}: not updated: ASDF headers are not written (crds writes "
                                    "best references into FITS headers only)")
    jobs = [(o.path, observatory, context_name, o.updates) for o in todo if is_writable(o.path)]
    _clean_directories([o for o in todo if is_writable(o.path)])
    results = _map(_write_one, jobs, request.workers, progress)
    by_path = {o.path: o for o in todo}
    for (path, *_rest), result in zip(jobs, results):
        if result is True:
            by_path[path].written = True
        else:
            by_path[path].errors.append(result)


def _clean_directories(outcomes: list[FileOutcome]) -> None:
    """Remove temp files killed updates left in the directories about to be written; say so, once per directory."""
    first_in: dict[str, FileOutcome] = {}
    for outcome in outcomes:
        first_in.setdefault(os.path.dirname(os.path.realpath(outcome.path)), outcome)
    for directory, outcome in first_in.items():
        removed = remove_stale_temps(directory)
        if removed:
            megabytes = sum(temp.size for temp in removed) / 1e6
            outcome.warnings.append(f"{directory}: removed {len(removed)} stale temp file(s) of interrupted updates "
                                    f"({megabytes:.1f} MB): {', '.join(sorted(t.name for t in removed)[:3])}"
                                    + (" ..." if len(removed) > 3 else ""))


def _fail(outcome: FileOutcome, message: str) -> None:
    outcome.failed = True
    outcome.errors.append(message)


# -- worker functions (module level so worker processes can import them) -------------------------

def _read_one(path: str) -> FileParameters | str:
    try:
        parameters = read_parameters(path)
    except HeaderError as exc:
        return str(exc)
    except OSError as exc:
        return f"{path}: {exc.strerror or exc}"
    return parameters


def _write_one(job: tuple) -> bool | str:
    path, observatory, context_name, updates = job
    try:
        return write_bestrefs(path, observatory, context_name, updates) or True
    except CrdsBatchError as exc:  # not FITS, or the file may not be updated
        return str(exc)
    except OSError as exc:
        return f"{path}: not updated: {exc.strerror or exc}"


def _map(func, items: Sequence, workers: int | None, progress: Progress | None) -> list:
    """``[func(item) ...]`` in order, in worker processes when there are enough items."""
    total = len(items)
    workers = workers or os.cpu_count() or 1
    if total < PARALLEL_MIN_FILES or workers <= 1:
        results = []
        for item in items:
            results.append(func(item))
            if progress:
                progress(len(results), total)
        return results
    chunk = max(1, min(64, total // (workers * 4)))
    # forkserver: workers start from a clean process, not a fork of one running a progress thread.
    context = multiprocessing.get_context("forkserver")
    results = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for result in pool.map(func, items, chunksize=chunk):
            results.append(result)
            if progress and (len(results) % chunk == 0 or len(results) == total):
                progress(len(results), total)
    return results
