"""What ``crds list`` prints for server queries, as lines: dataset ids, dataset headers, contexts.

Each function yields :class:`Line` objects: ``stream`` "out" (results) or
"err" (one ``ERROR: ...`` line per problem the server reported, after which
crds carries on and exits non-zero). Transport failures are not lines: they
raise (exit status 3).
"""
from __future__ import annotations

import json
import pprint
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from . import api
from .errors import RemoteMethodError
from .session import CrdsClient

#: Instrument keyword of a header, per vocabulary (HST FITS, JWST/Roman data model names).
_INSTRUMENT_KEYS = ("INSTRUME", "META.INSTRUMENT.NAME", "ROMAN.META.INSTRUMENT.NAME")


@dataclass(frozen=True)
class Line:
    stream: str  # "out" or "err"
    text: str

    @property
    def is_error(self) -> bool:
        return self.stream == "err"


def dataset_id_lines(client: CrdsClient, contexts: Sequence[str], instruments: Sequence[str]) -> Iterator[Line]:
    """``crds list --dataset-ids-for-instruments``: ids per instrument (prefixed by the context if several)."""
    for instrument in instruments:
        try:
            for context in contexts:
                for dataset_id in api.dataset_ids(client, context, instrument):
                    yield Line("out", f"{context} {dataset_id}" if len(contexts) > 1 else dataset_id)
        except RemoteMethodError as exc:
            yield Line("err", f"Failed reading dataset ids for {instrument!r}: {exc.reason}")


@dataclass(frozen=True)
class HeaderOptions:
    json: bool = False
    first_id_only: bool = False  #: --first-id-expansion-only
    minimize: bool = False  #: --minimize-headers
    id_expansions_only: bool = False


def dataset_header_lines(client: CrdsClient, contexts: Sequence[str], ids: Sequence[str],
                         options: HeaderOptions, chunk_size: int) -> Iterator[Line]:
    """``crds list --dataset-headers``: each returned dataset's parameters, or its id expansion."""
    products_seen: set[str] = set()
    expansions: list[str] = []
    for context in contexts:
        parkeys = _required_parkeys(client, context) if options.minimize and not options.json else None
        try:
            for chunk in api.chunks(list(ids), chunk_size):
                for returned_id, header in api.dataset_headers(client, context, chunk).items():
                    product = returned_id.split(":", 1)[0]
                    if isinstance(header, str):
                        yield Line("err", f"No header for {returned_id!r} : {header!r}")
                        continue
                    if options.first_id_only and product in products_seen:
                        continue
                    products_seen.add(product)
                    if options.id_expansions_only:
                        expansions.append(returned_id + (f" {context}" if len(contexts) > 1 else ""))
                    else:
                        yield Line("out", _header_text(context, returned_id, header, options, parkeys))
        except RemoteMethodError as exc:
            yield Line("err", f"Failed fetching dataset parameters with respect to {context!r} for "
                              f"{list(ids)!r} : {exc.reason}")
    for expansion in sorted(expansions):
        yield Line("out", expansion)


def _header_text(context: str, returned_id: str, header: dict, options: HeaderOptions,
                 parkeys: dict | None) -> str:
    if options.json:  # crds prints the header as the server sent it
        return json.dumps({returned_id: header})
    shown = _minimized(header, parkeys) if parkeys is not None else dict(header)
    shown.pop("REFTYPE", None)
    shown["dataset_id"] = returned_id
    shown["CRDS_CTX"] = context
    return f"Dataset pars for {returned_id!r} with respect to {context!r}:\n {pprint.pformat(shown)}"


def _required_parkeys(client: CrdsClient, context: str) -> dict:
    parkeys = client.call("get_required_parkeys", context)
    return {str(k).lower(): list(v) for k, v in parkeys.items()} if isinstance(parkeys, dict) else {}


def _minimized(header: dict, parkeys: dict) -> dict:
    """The parameters the context's instrument rules read, ``UNDEFINED`` where absent (crds minimize_header)."""
    instrument = next((str(header[k]).lower() for k in _INSTRUMENT_KEYS if k in header), "")
    keys = parkeys.get(instrument, [])
    return {key: header.get(key.lower(), header.get(key.upper(), "UNDEFINED")) for key in keys}


@dataclass(frozen=True)
class AffectedReport:
    """One context transition's affected datasets, as the server computed them."""

    old_context: str
    new_context: str
    ids: list[str]  #: sorted, each once (what crds query_affected prints)
    status: int  #: the server-side computation's exit status (0: no errors)
    summary: str  #: its error summary text
    computation_dir: str


def query_affected(client: CrdsClient, observatory: str, old: str | None, new: str | None) -> AffectedReport:
    """``get_affected_datasets``; ``None`` contexts mean the server's last transition."""
    reply = api.affected_datasets(client, observatory, old, new)
    ids = reply.get("affected_ids") or []
    status = reply.get("bestrefs_status", 0)
    return AffectedReport(old_context=str(reply.get("old_context", old)), new_context=str(reply.get("new_context", new)),
                          ids=sorted({str(i) for i in ids}), status=status if isinstance(status, int) else 1,
                          summary=str(reply.get("bestrefs_err_summary", "")),
                          computation_dir=str(reply.get("computation_dir", "")))
