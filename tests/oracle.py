"""The crds package as an oracle: best references for many datasets, in-process and offline.

Tests import ``crds`` only through here (and only in tests): the environment
(CRDS_PATH on the real cache, no server) is set by ``tests/conftest.py``
before the first call.
"""
from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Mapping

#: Result key used when crds raised for the whole dataset instead of answering per type.
ERROR_KEY = "__error__"


@contextlib.contextmanager
def quiet_crds(level: int = logging.ERROR):
    """Silence crds's own logger (it warns per dataset, e.g. JWST without the jwst package)."""
    logger = logging.getLogger("CRDS")
    old = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(old)


def crds_bestrefs(params_by_id: Mapping[str, Mapping[str, str]], context: str, observatory: str,
                  reftypes: Iterable[str] | None = None) -> dict[str, dict[str, str]]:
    """Run ``crds.getrecommendations`` for each dataset.

    Parameters
    ----------
    params_by_id
        ``{dataset_id: {PARAM: value}}`` as in a CRDS save file.
    context, observatory
        E.g. ``"hst_0729.pmap"``, ``"hst"``.
    reftypes
        Types to ask for; default all the instrument's types (as crds decides).

    Returns
    -------
    dict
        ``{dataset_id: {type: result}}``: a file name or a ``NOT FOUND ...``
        text, exactly as crds returns them. When crds raises for a whole
        dataset the result is ``{ERROR_KEY: "<ExceptionName>: message"}``.
    """
    import crds  # test-only oracle

    types = list(reftypes) if reftypes is not None else None
    results: dict[str, dict[str, str]] = {}
    with quiet_crds():
        for dataset_id, params in params_by_id.items():
            try:
                answer = crds.getrecommendations(dict(params), reftypes=types, context=context,
                                                 observatory=observatory)
            except Exception as exc:  # the oracle's own failure is a result to compare too
                results[dataset_id] = {ERROR_KEY: f"{type(exc).__name__}: {exc}"}
            else:
                results[dataset_id] = {str(key): str(value) for key, value in answer.items()}
    return results


def classify(result: str) -> str:
    """Coarse class of one per-type result: ``file``, ``n/a``, ``no-match``, ``invalid`` or ``error``."""
    if not result.startswith("NOT FOUND"):
        return "file"
    text = result[len("NOT FOUND"):].strip()
    if text.lower() == "n/a":
        return "n/a"
    if text.startswith("No match found"):
        return "no-match"
    if text.startswith("parameter=") or "is not in" in text:
        return "invalid"
    return "error"
