"""``--dataset-files`` / ``--dataset-ids``: the references those datasets need under the synced contexts.

Parameters come from the files' headers (:mod:`crds_batch.files.headers`) or
from the server (``get_dataset_headers_by_id``; ``@FILE`` reads one id a line;
a bare product id takes every exposure the server answers for it, as crds);
the lookups are crds-batch's engine (:func:`crds_batch.getrecommendations`)
over the mappings this sync has just written. ``NOT FOUND`` results fetch
nothing.
"""
from __future__ import annotations

from ..api import getrecommendations
from ..client import api
from ..errors import CrdsBatchError
from ..files.headers import read_parameters


def dataset_ids(values) -> list[str]:
    ids: list[str] = []
    for value in values:
        if value.startswith("@"):
            with open(value[1:]) as handle:
                ids.extend(line.strip() for line in handle if line.strip())
        else:
            ids.append(value)
    return ids


def dataset_references(sync, contexts: list[str]) -> list[str]:
    options, report = sync.options, sync.report
    found: set[str] = set()
    for context in contexts:
        headers: dict[str, dict] = {}
        if options.dataset_files:
            for path in options.dataset_files:
                try:
                    headers[path] = read_parameters(path).parameters
                except CrdsBatchError as exc:
                    report.error(f"Failed to get matching parameters from {path!r}: {exc}")
        else:
            ids = dataset_ids(options.dataset_ids)
            try:
                answered = api.dataset_headers(sync.client, context, ids)
            except CrdsBatchError as exc:
                report.error(f"Failed to get matching parameters for {ids}: {exc}")
                answered = {}
            for wanted in ids:
                for dataset_id, header in answered.items():
                    if wanted.upper() in dataset_id and isinstance(header, dict):
                        headers[dataset_id] = header
        for dataset, header in headers.items():
            report.info(f"Syncing context {context!r} dataset {dataset!r}.")
            try:
                best = getrecommendations(header, context=context, observatory=sync.observatory)
            except CrdsBatchError as exc:
                report.error(f"Failed syncing references for dataset {dataset!r} under context {context!r}: {exc}")
                continue
            report.verbose(f"Best references for {dataset!r} are {best}")
            for value in best.values():
                for name in (value if isinstance(value, tuple) else (value,)):
                    if isinstance(name, str) and not name.upper().startswith(("NOT FOUND", "N/A")):
                        found.add(name)
    return sorted(found)
