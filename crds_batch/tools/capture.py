"""``crds-batch capture INSTRUMENT...``: crds's ``crds_dataset_capture``, plus a parameter store.

crds 13.2.7's script makes ``capture-<YYYY-MM-DDTHH-MM-SS>`` (local time) and,
per instrument, writes ``<instrument>.ids.txt`` (``crds list
--dataset-ids-for-instruments``: one id a line) and ``<instrument>.headers.json``
(``crds list --dataset-headers @ids --json``: one ``{id: header}`` object a
line) from the server. Here the same files are written (each temp + fsync +
rename) through :mod:`crds_batch.client.listing`, and the headers files are then
ingested into a store (default ``<capture dir>/store``).
"""
from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..files.atomic import write_atomically
from ..client import api
from ..client.listing import HeaderOptions, dataset_header_lines, dataset_id_lines
from ..client.session import CrdsClient


@dataclass
class CaptureReport:
    directory: str
    context: str
    store: str | None
    ids: dict[str, int] = field(default_factory=dict)  #: instrument -> ids listed
    headers: dict[str, int] = field(default_factory=dict)  #: instrument -> headers saved
    errors: list[str] = field(default_factory=list)
    datasets: int = 0  #: datasets in the store afterwards


def capture_dir_name(now: datetime.datetime) -> str:
    """``capture-2026-11-30T17-30-00``, as crds names it (``timestamp.now("T")`` with ``:`` -> ``-``)."""
    return "capture-" + now.strftime("%Y-%m-%dT%H-%M-%S")


def capture(client: CrdsClient, instruments: Sequence[str], *, observatory: str, parent: str = ".",
            context: str | None = None, store_dir: str | None = "", now: datetime.datetime | None = None,
            log: Callable[[str], None] = lambda line: None) -> CaptureReport:
    """Capture ids and headers of ``instruments`` into a new dated directory under ``parent``.

    ``store_dir``: "" means ``<capture dir>/store``; None means no store."""
    directory = os.path.join(parent, capture_dir_name(now or datetime.datetime.now()))
    os.makedirs(directory)
    context = context or api.default_context(client, observatory)
    chunk = api.max_headers_per_rpc(api.server_info(client, observatory))
    store = os.path.join(directory, "store") if store_dir == "" else store_dir
    report = CaptureReport(directory=directory, context=context, store=store)
    saves = []
    for instrument in instruments:
        instrument = instrument.lower()
        ids_file = os.path.join(directory, f"{instrument}.ids.txt")
        headers_file = os.path.join(directory, f"{instrument}.headers.json")
        log(f"Capturing {ids_file!r}")
        ids = _write_lines(ids_file, dataset_id_lines(client, [context], [instrument]), report.errors)
        report.ids[instrument] = len(ids)
        log(f"Capturing {ids_file!r} to {headers_file!r}")
        headers = _write_lines(headers_file, dataset_header_lines(client, [context], ids, HeaderOptions(json=True),
                                                                  chunk), report.errors)
        report.headers[instrument] = len(headers)
        if headers:
            saves.append(headers_file)
    if store and saves:
        from ..store import Store, ingest

        ingested = ingest(saves, store, workers=1)
        report.errors.extend(ingested.dataset_errors)
        with Store(store) as opened:
            report.datasets = len(opened)
    return report


def _write_lines(path: str, lines, errors: list[str]) -> list[str]:
    """Write the "out" lines to ``path``; collect "err" lines in ``errors``; return the out lines."""
    out = []
    for line in lines:
        (errors if line.is_error else out).append(line.text)
    with write_atomically(path) as handle:
        handle.write("".join(text + "\n" for text in out).encode("utf-8"))
    return out
