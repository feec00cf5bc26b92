"""Bestrefs of the datasets of CRDS save files (``crds bestrefs --load-pickles X.json``).

The saves are opened as a parameter store (:func:`crds_batch.store.open_params`)
and all datasets evaluated in one columnar pass per context; updates and
errors are decided exactly as for files (:mod:`.bestrefs`): with no
comparison every successful assignment is an update with old ``None``, as
crds prints it; ``old_context`` or ``compare_source`` compare instead.
"""
from __future__ import annotations

from collections.abc import Sequence

from ..cache import load_server_config, resolve_context
from ..observatories import observatory_of_name
from ..rules.loading import load_context
from ..store import input_problems, open_params
from ..store import schema as S
from .bestrefs import (FileOutcome, FilesRequest, FilesResult, _compare, _evaluate, _fail, _instrument_problem,
                       _old_references, _row, describer)


def run_saves(saves: Sequence[str], request: FilesRequest, trust_pickles: bool = False) -> FilesResult:
    """Best references of every dataset of ``saves`` under ``request.new_context``.

    ``request.files`` is ignored; the dataset ids take the place of file paths in the result.
    """
    context_name = resolve_context(request.new_context)
    observatory = observatory_of_name(context_name).name
    with open_params(list(saves), trust_pickles=trust_pickles) as store:
        every = store.scan(as_pandas=True)
        problems, problem_count = input_problems(store)
    # What could not be read (bad lines, datasets without an instrument...) fails, as crds fails it.
    unreadable = [FileOutcome(problem.split(": ", 1)[0], errors=[problem], failed=True) for problem in problems]
    if problem_count > len(problems):
        unreadable.append(FileOutcome("...", errors=[f"... and {problem_count - len(problems)} more input problems"],
                                      failed=True))
    # Datasets of another observatory fail one by one, as crds fails them (Unknown instrument 'cos'...).
    foreign = every[every[S.OBSERVATORY] != observatory]
    frame = every[every[S.OBSERVATORY] == observatory].reset_index(drop=True)
    ids = frame[S.DATASET_ID].tolist()
    params = frame.drop(columns=[c for c in S.FIXED_COLUMNS if c in frame.columns])
    new_ctx = load_context(context_name)
    old_ctx = load_context(resolve_context(request.old_context, observatory)) if request.old_context else None
    reftypes = [t.lower() for t in request.types] or None
    new = _evaluate(new_ctx, params, reftypes)
    old = _evaluate(old_ctx, params, reftypes) if old_ctx is not None else None
    bad_files = load_server_config(observatory).bad_files
    skip = {t.lower() for t in request.skip_types}
    outcomes = []
    for position, dataset in enumerate(ids):
        outcome = FileOutcome(dataset)
        outcomes.append(outcome)
        header = {k: v for k, v in params.iloc[position].items() if isinstance(v, str)}
        instrument = frame[S.INSTRUMENT].iloc[position].upper()
        problem = _instrument_problem(request, new_ctx, old_ctx, instrument, bad_files, context_name)
        if problem:
            _fail(outcome, f"{dataset}: {problem}")
            continue
        outcome.instrument = instrument
        old_refs = _old_references(request, old, position, observatory, new_ctx, instrument, header)
        _compare(outcome, instrument, _row(new, position), old_refs, skip, describer(old_ctx, new_ctx, header))
        for update in outcome.updates:
            if update.new.lower() in bad_files:
                message = f"{dataset}: new reference {update.new.lower()!r} is designated scientifically invalid"
                (outcome.warnings if request.allow_bad_references else outcome.errors).append(message)
    for dataset, instrument in zip(foreign[S.DATASET_ID], foreign[S.INSTRUMENT]):
        outcome = FileOutcome(dataset)
        _fail(outcome, f"{dataset}: unknown instrument {instrument.lower()!r} for context {context_name!r}")
        outcomes.append(outcome)
    return FilesResult(context_name, outcomes + unreadable)
