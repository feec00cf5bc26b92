"""JWST type selection: which reference types a dataset needs (SYSTEM CRDSCFG).

Without an explicit type list, crds asks, for a JWST dataset, which types its
calibration pipelines use (``crds.jwst.pipeline.header_to_reftypes``) and
returns only those of the instrument's types; any failure there means "every
type".  What it does, in order (crds 13.2.7, as installed in the tests: no
``jwst`` package):

1. No ``META.CALIBRATION_SOFTWARE_VERSION`` (or ``CAL_VER``): crds imports
   ``jwst`` for its version, fails -> every type.
2. The version must be a PEP 440 version, else every type.
3. The SYSTEM CRDSCFG reference: the context's ``system`` imap ``crdscfg``
   rmap chooses it by version, and crds reads that file from the cache.  If the
   context has no such rmap, or the choice fails, crds reads a YAML bundled
   *inside the crds package* instead.  We do not ship crds's files: for that
   case we return "every type" and say so in a log line (:data:`BUNDLED`).
   No context in a cache synced from the real servers up to jwst_0541 has a
   ``crdscfg`` rmap, so in practice crds uses its bundled copy for every
   dataset carrying a version; only rules that deliver a CRDSCFG rmap and
   reference make the result derivable from the cache.
4. From the YAML: ``exptypes_to_pipelines[EXP_TYPE]``, each pipeline
   rewritten by ``pipeline_exceptions`` (regexes over other header values),
   then the union of ``steps_to_reftypes`` over ``pipeline_cfgs_to_steps``.
   Any missing entry -> every type.
5. The types are intersected with the instrument's; an empty intersection
   means every type (crds treats an empty list as "no restriction").
"""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from typing import Any

log = logging.getLogger(__name__)

CALVER_KEYS = ("META.CALIBRATION_SOFTWARE_VERSION", "CAL_VER")
EXPTYPE_KEYS = ("META.EXPOSURE.TYPE", "EXP_TYPE")

#: Marker: crds would read the CRDSCFG bundled in its package; treated as "every type".
BUNDLED = "bundled"

_CONFIGS: dict[tuple[str, str], Any] = {}
_LOCK = threading.Lock()
_WARNED: set[str] = set()


def pipeline_types(context: Any, header: Mapping[str, str]) -> list[str] | None:
    """Types the pipelines of a JWST dataset use, or None for "every type".

    Parameters
    ----------
    context : PipelineContext
        The loaded JWST context (its ``system`` imap is consulted).
    header : mapping
        The conditioned dataset header (upper-case ``META.*`` keys and values).

    Returns
    -------
    list of str or None
        Sorted lower-case type names before intersection with the instrument's types.
    """
    cal_ver = _first(header, CALVER_KEYS)
    if cal_ver is None:
        return None
    config = crdscfg(context, cal_ver)
    if not isinstance(config, dict):
        if config == BUNDLED and context.name not in _WARNED:
            _WARNED.add(context.name)
            log.info("%s has no SYSTEM CRDSCFG rules: crds would use the CRDSCFG bundled in its package; "
                     "returning every type of the instrument", context.name)
        return None
    try:
        exp_type = _first(header, EXPTYPE_KEYS) or "UNDEFINED"
        types: set[str] = set()
        for cfg in _pipelines(config, exp_type, header):
            for step in config["pipeline_cfgs_to_steps"][cfg]:
                types |= set(config["steps_to_reftypes"][step])
        return sorted(types)
    except Exception as exc:  # crds: "Failed determining reftypes" warning, every type
        log.debug("CRDSCFG type selection failed: %s", exc)
        return None


def _first(header: Mapping[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        if key in header:
            return header[key]
    return None


def _pipelines(config: dict, exp_type: str, header: Mapping[str, str]) -> list[str]:
    pipelines = list(config["exptypes_to_pipelines"][exp_type])
    exceptions_by_param = config.get("pipeline_exceptions") or {}
    if not exceptions_by_param:
        return pipelines
    corrected = []
    for cfg in pipelines:
        for param, exceptions in exceptions_by_param.items():
            exceptions = dict(exceptions)
            dont_replace = exceptions.pop("dont_replace", [])
            do_replace = exceptions.pop("do_replace", [])
            default_missing = exceptions.pop("default_missing", "UNDEFINED")
            value = header.get(param.upper(), default_missing)
            # Replace unless a dont_replace pattern matches the whole value (when there are any).
            if dont_replace and not any(re.match("^" + dont + "$", value) for dont in dont_replace):
                cfg = exceptions.get(cfg, cfg)
            for do in do_replace:
                if re.match("^" + do + "$", value):
                    cfg = exceptions.get(cfg, cfg)
        corrected.append(cfg)
    return corrected


def crdscfg(context: Any, cal_ver: str) -> dict | str | None:
    """The parsed SYSTEM CRDSCFG for ``cal_ver`` under ``context``.

    Returns the YAML as a dict; :data:`BUNDLED` when crds would read its packaged copy;
    None when crds would fail (invalid version, unreadable file) and so use every type.
    """
    key = (context.name, cal_ver)
    found = _CONFIGS.get(key)
    if found is None and key not in _CONFIGS:
        found = _load(context, cal_ver)
        with _LOCK:
            _CONFIGS[key] = found
    return found


def _load(context: Any, cal_ver: str) -> dict | str | None:
    from packaging.version import InvalidVersion, Version

    try:
        Version(cal_ver)
    except (InvalidVersion, TypeError):
        return None
    path = _reference_path(context, cal_ver)
    if path is None:
        return BUNDLED
    try:
        import yaml

        with open(path) as opened:
            loaded = yaml.safe_load(opened)
    except Exception as exc:  # crds: the located file cannot be read -> every type
        log.debug("cannot read SYSTEM CRDSCFG %s: %s", path, exc)
        return None
    return loaded if isinstance(loaded, dict) else None


def _reference_path(context: Any, cal_ver: str) -> str | None:
    """Cache path of the CRDSCFG reference the context's rules choose, None if they choose none."""
    from ..cache.paths import locate_rule_reference
    from .lookup import rmap_reference
    from .mappings import ReferenceMapping

    try:
        imap = context.get_imap("SYSTEM")
        rmap = imap.child("crdscfg") if "crdscfg" in imap.selections else None
    except Exception:
        return None
    if not isinstance(rmap, ReferenceMapping):
        return None
    reference = rmap_reference(rmap, {"META.INSTRUMENT.NAME": "SYSTEM", "META.CALIBRATION_SOFTWARE_VERSION": cal_ver})
    if not isinstance(reference, str) or reference.startswith("NOT FOUND"):
        return None
    return locate_rule_reference(reference, "jwst", "system")


def clear_cache() -> None:
    """Forget loaded CRDSCFG files (tests that rewrite a cache)."""
    with _LOCK:
        _CONFIGS.clear()
