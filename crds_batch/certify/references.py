"""Certify one reference file's format as ``crds certify`` does.

FITS: opened by astropy with checksum verification and verified with
``verify('exception')`` (every astropy warning is a crds-style WARNING line;
a FITS file holding an ``ASDF`` extension is an error). ASDF: opened by the
asdf library, which validates the tree against its schemas; a file written by
a development version of asdf is a warning. JSON and YAML: parsed. Anything
that fails to load is a tracked ``Validation error``; the other files are
still certified.
"""
from __future__ import annotations

import json
import os
import re

from .log import CertifyLog
from .model_checks import MODEL_OBSERVATORIES
from .warnings_capture import warnings_to_log

_RELEASE_VERSION = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+$")


def certify_reference(path: str, kind: str, context: str | None, options, log: CertifyLog,
                      observatory: str) -> None:
    """Log the findings about reference ``path`` of format ``kind``."""
    basename = os.path.basename(path)
    if kind in ("unknown", "text"):
        log.warning(f"No certifier defined for {basename!r}", path)
        try:
            with open(path, "rb") as handle:
                handle.read()
        except OSError as exc:
            log.track_error(path, "unknown", "unknown", f"Validation error : Error parsing  : {exc}")
        return
    if observatory == "hst" and not _hst_properties_known(path, log):
        return
    if kind == "fits" and not path.endswith(".fits"):  # crds: FITS recognized by content is not verified
        return
    loader = {"fits": _load_fits, "asdf": _load_asdf, "json": _load_json, "yaml": _load_yaml}.get(kind)
    if loader is None:  # GEIS: header text, checked against its type's constraints
        _check_geis_keywords(path, context, log, observatory)
        return
    try:
        with warnings_to_log(log, path):
            problems = loader(path, log) or []
    except Exception as exc:  # noqa: BLE001 - any failure to load is this file's error, the rest go on
        log.track_error(path, "unknown", "unknown", f"Validation error : {_one_line(exc)}")
        return
    if observatory in MODEL_OBSERVATORIES:
        _certify_model_reference(path, kind, context, options, log, observatory, problems)
        return
    instrument, filekind = reference_properties(path, kind)
    for problem in problems:
        log.track_error(path, instrument, filekind, problem)
    if kind == "fits":
        log.info(f"FITS file {basename!r} conforms to FITS standards.")
        _check_keywords(path, context, log, observatory, instrument, filekind)
        from .table_modes import check_table_modes

        try:
            with warnings_to_log(log, path):
                check_table_modes(path, options.comparison_reference, context, log, observatory)
        except Exception as exc:  # noqa: BLE001 - crds traps the table checks as one error
            log.track_error(path, instrument, filekind, f"Checking reference modes for {path!r} : {_one_line(exc)}")
        if options.dump_provenance and observatory == "hst" and "unknown" not in (instrument, filekind):
            _dump_provenance(path, context, log, observatory, instrument, filekind)
        if options.run_fitsverify:
            from .fitsverify import run_fitsverify

            run_fitsverify(path, log)
        _check_hst_rmap_exists(path, context, log, instrument, filekind)


def _hst_properties_known(path: str, log: CertifyLog) -> bool:
    """crds finds an HST reference's instrument and type (name, else header) before anything else: when it
    cannot, that is the file's only error (``Invalid FILETYPE (or CDBSFILE) of 'sci' for instrument 'acs'.``,
    ``Can't determine instrument for ...``; a dataset given as a reference gets these)."""
    from ..tools.file_properties import FilePropertiesError, file_properties

    try:
        file_properties(path, "hst")
    except FilePropertiesError as exc:
        log.track_error(path, "unknown", "unknown", f"Validation error : {exc}")
        return False
    return True


def _check_hst_rmap_exists(path: str, context: str | None, log: CertifyLog, instrument: str,
                           filekind: str) -> None:
    """crds looks up the rmap of a FITS reference last, untrapped: no rmap in the context is the file's error."""
    from .keyword_checks import governing_rmap

    if "unknown" in (instrument, filekind):
        return
    _, missing = governing_rmap(context, instrument, filekind)
    if missing is not None:
        log.track_error(path, instrument, filekind, f"Validation error : {missing}")


def _certify_model_reference(path: str, kind: str, context: str | None, options, log: CertifyLog,
                             observatory: str, problems: list[str]) -> None:
    """A JWST/Roman reference after its format checks: keywords, tables, provenance, fitsverify (crds's order)."""
    from .model_checks import check_keywords, check_rmap_exists, dump_provenance, identify

    with warnings_to_log(log, path):
        reference = identify(path, kind, observatory, log)
    if reference is None:
        return
    for problem in problems:
        log.track_error(path, reference.instrument, reference.filekind, problem)
    if kind == "fits":
        log.info(f"FITS file {os.path.basename(path)!r} conforms to FITS standards.")
    with warnings_to_log(log, path):
        check_keywords(reference, context, log)
    if kind == "fits":
        from .table_modes import check_table_modes

        try:
            with warnings_to_log(log, path):
                check_table_modes(path, options.comparison_reference, context, log, observatory)
        except Exception as exc:  # noqa: BLE001 - crds traps the table checks as one error
            log.track_error(path, reference.instrument, reference.filekind,
                            f"Checking reference modes for {path!r} : {_one_line(exc)}")
    if options.dump_provenance:
        dump_provenance(reference, context, log)
    if kind == "fits" and options.run_fitsverify:
        from .fitsverify import run_fitsverify

        run_fitsverify(path, log)
    check_rmap_exists(reference, context, log)


def _check_keywords(path: str, context: str | None, log: CertifyLog, observatory: str, instrument: str,
                    filekind: str) -> None:
    """The reference's keywords and columns against its type's constraints (crds's .tpn checks)."""
    from .keyword_checks import check_reference_keywords, fits_header, fits_tables, rmap_parameters

    if "unknown" in (instrument, filekind):
        return
    with warnings_to_log(log, path):
        check_reference_keywords(path, fits_header(path), observatory, instrument.lower(), filekind.lower(),
                                 rmap_parameters(context, instrument, filekind), log, tables=fits_tables(path),
                                 context=context)


def _check_geis_keywords(path: str, context: str | None, log: CertifyLog, observatory: str) -> None:
    from .geis import geis_header
    from .keyword_checks import check_reference_keywords, rmap_parameters

    header = geis_header(path)
    properties = hst_reference_properties(header) if observatory == "hst" else None
    if properties is None:
        return
    instrument, filekind = properties
    check_reference_keywords(path, header, observatory, instrument.lower(), filekind.lower(),
                             rmap_parameters(context, instrument, filekind), log, tables=[], context=context)


def _dump_provenance(path: str, context: str | None, log: CertifyLog, observatory: str, instrument: str,
                     filekind: str) -> None:
    from .keyword_checks import certified_header, constrained_names, fits_header, rmap_parameters
    from .provenance import dump_provenance

    parameters = rmap_parameters(context, instrument, filekind)
    header = certified_header(fits_header(path), observatory, instrument.lower(), filekind.lower(),
                              mapped=parameters is not None)
    try:
        dump_provenance(path, header, observatory, (parameters or set()) | constrained_names(
            observatory, instrument.lower(), filekind.lower()), log)
    except Exception as exc:  # noqa: BLE001 - crds traps the dump as one error
        log.track_error(path, instrument, filekind, f"Dumping provenance for {path!r} : {_one_line(exc)}")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def reference_properties(path: str, kind: str) -> tuple[str, str]:
    """(instrument, type) a reference declares: FITS ``INSTRUME`` and ``REFTYPE`` (HST: the type whose FILETYPE
    the file has), ASDF ``meta.instrument.name``/``meta.reftype``; ``unknown`` where it does not say."""
    try:
        if kind == "fits":
            from astropy.io import fits

            header = fits.getheader(path)
            hst = hst_reference_properties(header)
            if hst is not None:
                return hst
            return str(header.get("INSTRUME", "unknown")), str(header.get("REFTYPE", "unknown"))
        if kind == "asdf":
            import asdf

            with asdf.open(path, lazy_load=True, _force_raw_types=True) as handle:
                meta = handle.tree.get("roman", handle.tree).get("meta", {})
                return (str(meta.get("instrument", {}).get("name", "unknown")),
                        str(meta.get("reftype", "unknown")))
    except Exception:  # noqa: BLE001 - properties are only labels for errors
        pass
    return "unknown", "unknown"


def hst_reference_properties(header) -> tuple[str, str] | None:
    """(instrument, type) of an HST reference from its header, as crds reads it: SYNPHOT when it has a
    ``DBTABLE`` (other than IMPHTTAB), else ``INSTRUME``; the type whose FILETYPE is the file's ``FILETYPE``
    (else ``DBTABLE``, else ``CDBSFILE``). None when these do not name an HST type."""
    from ..observatories.tables import OBSERVATORIES
    from .table_modes import hst_reference_type

    if "DBTABLE" in header and header["DBTABLE"] not in ("IMPHTTAB",):
        instrument = "SYNPHOT"
    elif "INSTRUME" in header:
        instrument = str(header["INSTRUME"]).upper()
    else:
        return None
    instrument = OBSERVATORIES["hst"].instrument_fixers.get(instrument, instrument)
    filetype = header.get("FILETYPE", header.get("DBTABLE", header.get("CDBSFILE")))
    if filetype is None:
        return None
    filekind = hst_reference_type(instrument, str(filetype))
    return (instrument, filekind) if filekind is not None else None


def _load_fits(path: str, log: CertifyLog) -> list[str]:
    """Open and verify; return the errors to file once the file's instrument and type are known."""
    from astropy.io import fits

    with fits.open(path, checksum=True, ignore_missing_end=False) as hdus:
        hdus.verify(option="exception")
        return ["FITS files must not include an ASDF extension"] if "ASDF" in hdus else []


def _load_asdf(path: str, log: CertifyLog) -> None:
    import asdf

    with asdf.open(path) as handle:
        version = str(handle["asdf_library"]["version"]) if "asdf_library" in handle else ""
        if version and not _RELEASE_VERSION.match(version):
            log.warning(f"File written with dev version of asdf library: {version}", path)


def _load_json(path: str, log: CertifyLog) -> None:
    with open(path, encoding="utf-8") as handle:
        json.load(handle)


def _load_yaml(path: str, log: CertifyLog) -> None:
    import yaml

    with open(path, encoding="utf-8") as handle:
        yaml.safe_load(handle)
