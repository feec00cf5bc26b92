"""JWST and Roman references: their keywords against the constraints of their instrument and type.

As ``crds certify`` checks them: the header crds builds
(:mod:`.model_headers`) is checked against the type's constraints
(:func:`.keyword_checks.check_reference_keywords`; constraints on keywords the
rmap selects on are required); a FITS or ASDF reference whose type the
comparison context has no rmap for is then an error (``Unknown reference type
'x'``, ``Unknown instrument 'x' for context 'y'``), as crds reports it when it
looks for the rmap after the checks. ``--dump-provenance`` prints the
provenance keywords from the same header.
"""
from __future__ import annotations

from dataclasses import dataclass

from .keyword_checks import check_reference_keywords, fits_tables, governing_rmap, rmap_parameters
from .log import CertifyLog
from .model_headers import UnidentifiedReference, dataset_header, eval_header, file_header, reference_type

MODEL_OBSERVATORIES = ("jwst", "roman")
MODEL_FORMATS = ("fits", "asdf", "json", "yaml")


@dataclass
class ModelReference:
    """A JWST/Roman reference being certified: its labels and, once loaded, the header crds checks."""

    path: str
    kind: str
    observatory: str
    instrument: str = "unknown"
    filekind: str = "unknown"
    header: dict | None = None


def identify(path: str, kind: str, observatory: str, log: CertifyLog) -> ModelReference | None:
    """Read the reference's header and tell its instrument and type; None (after a tracked ``Validation error``)
    when crds could not."""
    reference = ModelReference(path, kind, observatory)
    try:
        reference.header = file_header(path, kind, observatory, log)
        reference.instrument, reference.filekind = reference_type(path, reference.header, observatory)
    except UnidentifiedReference as exc:
        log.track_error(path, "unknown", "unknown", f"Validation error : {exc}")
        return None
    except Exception as exc:  # noqa: BLE001 - an unreadable header is this file's error, the rest go on
        log.track_error(path, "unknown", "unknown", f"Validation error : {' '.join(str(exc).split())}")
        return None
    return reference


def check_keywords(reference: ModelReference, context: str | None, log: CertifyLog) -> None:
    """Map the header to dataset keywords (when the context has an rmap for the type) and check the constraints;
    ``reference.header`` becomes the header checked."""
    rmap, _ = governing_rmap(context, reference.instrument, reference.filekind)
    header = reference.header
    if rmap is not None:
        header = dataset_header(header, reference.observatory, rmap.header, rmap.name, log,
                                lambda text: _track(reference, log, text))
    reference.header = eval_header(header)
    tables = fits_tables(reference.path) if reference.kind == "fits" else None
    check_reference_keywords(reference.path, reference.header, reference.observatory, reference.instrument,
                             reference.filekind, rmap_parameters(context, reference.instrument, reference.filekind),
                             log, tables=tables, context=context, check_useafter=False)


def check_rmap_exists(reference: ModelReference, context: str | None, log: CertifyLog) -> None:
    """crds looks up the rmap of a FITS/ASDF reference last, untrapped: no rmap is the file's error."""
    if reference.kind not in ("fits", "asdf"):
        return
    _, missing = governing_rmap(context, reference.instrument, reference.filekind)
    if missing is not None:
        _track(reference, log, f"Validation error : {missing}")


def dump_provenance(reference: ModelReference, context: str | None, log: CertifyLog) -> None:
    """``--dump-provenance``: the rmap's parameters, the constrained keywords and the provenance keywords."""
    from .keyword_checks import certified_header, constrained_names
    from .provenance import dump_provenance as dump

    header = certified_header(reference.header or {}, reference.observatory, reference.instrument,
                              reference.filekind, mapped=False)
    keys = (rmap_parameters(context, reference.instrument, reference.filekind) or set()) | constrained_names(
        reference.observatory, reference.instrument, reference.filekind)
    try:
        dump(reference.path, header, reference.observatory, keys, log, fits=reference.kind == "fits")
    except Exception as exc:  # noqa: BLE001 - crds traps the dump as one error
        _track(reference, log, f"Dumping provenance for {reference.path!r} : {exc}")


def _track(reference: ModelReference, log: CertifyLog, text: str) -> None:
    log.track_error(reference.path, reference.instrument, reference.filekind, text)
