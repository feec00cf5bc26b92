"""``crds_batch.getrecommendations``: crds's per-dataset API on the columnar engine.

Returns exactly what ``crds.getrecommendations`` returns for the same inputs
on the same cache (same types, file names and ``NOT FOUND`` texts), and
refuses bad rules / bad references the way crds does.
"""
from __future__ import annotations

import logging
import os
import pprint
from collections.abc import Iterable, Mapping
from typing import Any

from .cache import load_server_config, resolve_context
from .errors import BadReferenceError, BadRulesError
from .observatories import observatory_of_name
from .rules.loading import env_flag, instrument_closure, load_mapping
from .rules.lookup import clean_parameters
from .rules.mappings import INSTRUMENT_KEYWORDS

log = logging.getLogger(__name__)

#: Raw-header instrument spellings crds's header_to_instrument rewrites (case-sensitive, as crds).
_HEADER_INSTRUMENT_FIXERS = {"hst": "synphot", "wfii": "wfpc2"}


def getrecommendations(parameters: Mapping[str, Any], context: str | None = None, observatory: str | None = None,
                       reftypes: Iterable[str] | None = None) -> dict[str, Any]:
    """Best references of one dataset, as ``crds.getrecommendations``.

    Parameters
    ----------
    parameters : mapping
        Dataset keywords (``INSTRUME``, ``DETECTOR``, ``DATE-OBS``... or JWST ``META.*``); values str/int/float/bool.
    context : str, optional
        Context name, path or symbolic name; default ``CRDS_CONTEXT`` or the observatory's operational context.
    observatory : str, optional
        ``hst``, ``jwst``, ``roman``...; default: the context's.
    reftypes : iterable of str, optional
        Types to return.  Default: every type of the dataset's instrument; for a JWST
        dataset carrying ``META.CALIBRATION_SOFTWARE_VERSION``/``CAL_VER``, the types its
        pipelines use per the context's SYSTEM CRDSCFG, as crds (see
        :mod:`crds_batch.rules.crdscfg`, including the case crds resolves with a file
        bundled in its package, where we return every type).

    Returns
    -------
    dict
        ``{filekind: file name | "NOT FOUND ..."}``; omitted types are absent.  Tied
        terminal choices come back as tuples, as in crds.

    Raises
    ------
    BadRulesError, BadReferenceError
        When the rules or a chosen reference are marked bad (``CRDS_ALLOW_BAD_RULES`` /
        ``CRDS_ALLOW_BAD_REFERENCES`` turn these into logged warnings).
    """
    from .engine.evaluate import evaluate_records

    if observatory is None and context is not None and not context.startswith(("latest",)):
        try:
            observatory = observatory_of_name(context.rsplit("/", 1)[-1]).name
        except Exception:
            observatory = None
    final = resolve_context(context, observatory, user_files=False)  # crds's API reads the cache only
    observatory = observatory or observatory_of_name(final.rsplit("/", 1)[-1]).name
    mapping = load_mapping(final)
    params = clean_parameters(parameters, observatory)
    types = list(reftypes) if reftypes else None
    results = evaluate_records(mapping, [params], types, observatory=observatory, prepared=True)[0]
    _check_bad_rules(observatory, os.path.basename(final), mapping, params)
    _check_bad_references(observatory, results)
    return results


def header_instrument(parameters: Mapping[str, Any]) -> str | None:
    """The instrument crds's bad-rules check uses: first defined instrument keyword of the raw parameters."""
    for key in INSTRUMENT_KEYWORDS:
        value = parameters.get(key.upper())
        if value is None:
            value = parameters.get(key.lower())
        if value is not None and value not in ("undefined", "UNDEFINED"):
            return str(_HEADER_INSTRUMENT_FIXERS.get(value, value)).upper()
    return None


def _check_bad_rules(observatory: str, context_name: str, mapping, parameters: Mapping[str, Any]) -> None:
    bad_files = load_server_config(observatory).bad_files
    if not bad_files:
        return
    bad = sorted(set(instrument_closure(mapping, header_instrument(parameters))) & bad_files)
    if not bad:
        return
    message = f"Final context {context_name!r} is marked as scientifically invalid based on: {pprint.pformat(bad)}"
    if env_flag("CRDS_ALLOW_BAD_RULES"):
        log.warning(message)
    else:
        raise BadRulesError(message)


def _check_bad_references(observatory: str, results: Mapping[str, Any]) -> None:
    bad_files = load_server_config(observatory).bad_files
    for reftype, reference in results.items():
        if not isinstance(reference, str):
            # crds takes os.path.basename of every result; tied-file tuples make it fail this way.
            raise TypeError(f"expected str, bytes or os.PathLike object, not {type(reference).__name__}")
        name = os.path.basename(reference)
        if name in bad_files:
            message = f"Recommended reference {name!r} of type {reftype!r} is designated scientifically invalid."
            if env_flag("CRDS_ALLOW_BAD_REFERENCES"):
                log.warning(message)
            else:
                raise BadReferenceError(message)
