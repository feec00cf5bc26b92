"""Scalar best-reference lookup: one dataset header, crds's algorithm step by step.

This is the reference implementation of the semantics (crds-semantics.md, 2);
the columnar engine must agree with it row for row.  Results per type are a
file name (or tuple/dict of names for tied or structured choices), a
``"NOT FOUND ..."`` text, or ``None`` when the type is omitted.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from .conditioning import add_evalable_keys, condition_header
from .errors import IrrelevantType, OmitType
from . import trace
from .hooks import dnr_check
from .mappings import NA_VALUES, OMIT_VALUES, InstrumentContext, PipelineContext, ReferenceMapping, is_special

log = logging.getLogger(__name__)

Header = dict[str, str]


def clean_parameters(parameters: Mapping[str, Any], observatory: str | None) -> dict[str, Any]:
    """Drop non-scalar values (crds check_parameters) and apply Roman's META -> ROMAN.META renaming."""
    cleaned = {key: value for key, value in dict(parameters).items()
               if isinstance(value, (str, float, int, bool))}
    if observatory == "roman":
        cleaned = {("ROMAN." + key if key.split(".")[0].upper() == "META" else key): value
                   for key, value in cleaned.items()}
    return cleaned


def fits_to_parkeys(observatory: str, header: Mapping[str, str]) -> Header:
    """Rename bare FITS keywords to the rules' names (JWST META.* paths) when a keyword table is available."""
    if observatory != "jwst":
        return dict(header)
    translate = _jwst_translator()
    result = {}
    for key, value in header.items():
        name = key if key.lower().startswith("meta.") or translate is None else (translate(key) or key)
        result[name.upper()] = str(value)
    return result


def _jwst_translator():
    try:  # written concurrently by the parameter-store work; optional here
        from ..observatories import keywords  # type: ignore[attr-defined]
    except ImportError:
        return None
    return getattr(keywords, "fits_to_meta", None)


def minimize(header: Mapping[str, str], keys: Iterable[str]) -> Header:
    """Only ``keys`` of ``header``; missing ones become ``"UNDEFINED"``."""
    return {key: header.get(key.lower(), header.get(key.upper(), "UNDEFINED")) for key in keys}


def prepare_header(context: PipelineContext | InstrumentContext, parameters: Mapping[str, Any],
                   observatory: str | None = None) -> tuple[InstrumentContext, Header]:
    """Condition and minimize a dataset's parameters for its instrument; return (imap, header)."""
    observatory = observatory or context.observatory
    conditioned = condition_header(clean_parameters(parameters, observatory))
    if isinstance(context, PipelineContext):
        imap = context.get_imap(context.instrument_of(conditioned))
        keys = imap.required_parkeys() + [context.instrument_key]
    else:
        imap = context
        keys = imap.required_parkeys()
    return imap, minimize(fits_to_parkeys(context.observatory, conditioned), keys)


def best_references(context: PipelineContext | InstrumentContext, parameters: Mapping[str, Any],
                    reftypes: Iterable[str] | None = None, observatory: str | None = None) -> dict[str, Any]:
    """The scalar equivalent of ``crds.getrecommendations`` without the bad-files checks."""
    imap, header = prepare_header(context, parameters, observatory)
    return imap_references(imap, header, reftypes)


def imap_references(imap: InstrumentContext, header: Header, reftypes: Iterable[str] | None = None) -> dict[str, Any]:
    """Per-type results for a minimized header; omitted types are absent."""
    results: dict[str, Any] = {}
    for filekind in (list(reftypes) if reftypes else imap.filekinds):
        filekind = filekind.lower()
        value = type_reference(imap, filekind, header)
        if value is not None:
            results[filekind] = value
    return results


def type_reference(imap: InstrumentContext, filekind: str, header: Header) -> Any:
    """One type's result string/object, or None when omitted."""
    if filekind not in imap.selections:
        return "NOT FOUND Unknown reference type " + repr(filekind)
    entry = imap.selections[filekind]
    trace.note("imap", filekind=filekind, imap=imap.basename, entry=entry)
    if isinstance(entry, str) and entry in NA_VALUES:
        return _traced_result("NOT FOUND n/a")
    if isinstance(entry, str) and entry in OMIT_VALUES:
        return _traced_result(None)
    try:
        return rmap_reference(imap.child(filekind), header)
    except Exception as exc:  # loading failures of a lazily loaded rmap, as crds reports them
        return _traced_result("NOT FOUND " + str(exc))


def _traced_result(value: Any) -> Any:
    trace.note("result", value="OMIT" if value is None else value)
    return value


def rmap_reference(rmap: ReferenceMapping, header: Header) -> Any:
    """crds ``get_best_ref``: exceptions become ``NOT FOUND`` texts, omission becomes None."""
    try:
        return _traced_result(choose_reference(rmap, header))
    except IrrelevantType:
        return _traced_result("NOT FOUND n/a")
    except OmitType:
        return _traced_result(None)
    except Exception as exc:
        return _traced_result("NOT FOUND " + str(exc))


def rmap_omitted(rmap: ReferenceMapping, expr_header: Mapping[str, str]) -> bool:
    try:
        omitted = bool(rmap.rmap_omit.evaluate(expr_header))
    except Exception as exc:
        log.debug("Failed checking OMIT for %s with expr %r: %s", rmap.basename, rmap.rmap_omit.source, exc)
        omitted = False
    trace.note("rmap_omit", expression=rmap.rmap_omit.source, value=omitted)
    return omitted


def rmap_relevant(rmap: ReferenceMapping, expr_header: Mapping[str, str]) -> bool:
    try:
        relevant = bool(rmap.rmap_relevance.evaluate(expr_header))
    except Exception as exc:
        log.debug("Failed checking relevance for %s with expr %r: %s",
                  rmap.basename, rmap.rmap_relevance.source, exc)
        relevant = True
    trace.note("rmap_relevance", expression=rmap.rmap_relevance.source, value=relevant)
    return relevant


def apply_parkey_relevance(rmap: ReferenceMapping, header: Header) -> Header:
    """Set parameters whose ``parkey_relevance`` expression is false to ``N/A``."""
    result = dict(header)
    for parkey in irrelevant_parkeys(rmap, header):
        result[parkey] = "N/A"
    return result


def irrelevant_parkeys(rmap: ReferenceMapping, header: Header, keep_comments: bool = False) -> list[str]:
    """The required parameters whose ``parkey_relevance`` expression is false for ``header``.

    ``keep_comments``: comment parameters stay relevant (crds's rmap updates), else they become ``N/A``
    (lookups)."""
    if not rmap.parkey_relevance:
        return []
    expr_header = dict(header)
    for key in rmap.required_parkeys:
        if key not in expr_header or expr_header[key] in ("UNDEFINED", None):
            expr_header[key] = "UNDEFINED"
    expr_header = add_evalable_keys(expr_header)
    expr_header["keep_comments"] = keep_comments
    irrelevant = []
    for parkey in rmap.required_parkeys:
        expression = rmap.parkey_relevance.get(parkey.lower())
        if expression is not None and not expression.evaluate(expr_header):
            irrelevant.append(parkey)
            trace.note("parkey_relevance", parameter=parkey, expression=expression.source)
    return irrelevant


def choose_reference(rmap: ReferenceMapping, header_in: Header) -> Any:
    """crds ``_get_best_ref``: omit/relevance, hooks, parkey relevance, choose, DNR and fallback."""
    header_in = dict(header_in)
    expr_header = add_evalable_keys(header_in)
    if rmap_omitted(rmap, expr_header):
        raise OmitType("rmap_omit expression indicates this type should be omitted.")
    if not rmap_relevant(rmap, expr_header):
        raise IrrelevantType("Rmap does not apply to the given parameter set based on rmap_relevance expression.")
    header = rmap.precondition(header_in) if rmap.precondition else header_in
    if rmap.precondition and trace.active():
        trace.note("precondition", changes=trace.header_changes(header_in, header))
    header = apply_parkey_relevance(rmap, header)
    try:
        if trace.active():
            with trace.deeper():
                chosen = rmap.selector.choose(header)
        else:
            chosen = rmap.selector.choose(header)
    except Exception as first:
        trace.note("lookup_failed", error=str(first))
        if dnr_check(rmap.observatory, header):
            trace.note("dnr")
            raise IrrelevantType("Reference type not required for DNR dataset.") from first
        chosen = _fallback(rmap, header_in, first)
    return _terminal(chosen)


def _fallback(rmap: ReferenceMapping, header_in: Header, first: Exception) -> Any:
    fallback = rmap.fallback(header_in) if rmap.fallback else None
    try:
        if not fallback:
            raise first
        fallback = minimize(fits_to_parkeys(rmap.observatory, fallback), rmap.required_parkeys)
        if trace.active():
            trace.note("fallback", changes=trace.header_changes(header_in, fallback))
        fallback = apply_parkey_relevance(rmap, fallback)
        with trace.deeper():  # the fallback is rare: one context manager is no cost
            return rmap.selector.choose(fallback)
    except Exception as exc:
        if rmap.reffile_required in ("YES", "NONE"):
            raise exc from None
        raise IrrelevantType("No match found and reference type is not required.") from exc


def _terminal(chosen: Any) -> Any:
    if is_special(chosen):
        if chosen in NA_VALUES:
            raise IrrelevantType("Rules define this type as Not Applicable for these observation parameters.")
        raise OmitType("Rules define this type to be Omitted for these observation parameters.")
    return chosen
