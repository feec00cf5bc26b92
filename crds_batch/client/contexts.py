"""Symbolic contexts the cache config cannot answer, asked of the CRDS server (``CRDS_SERVER_URL``).

:func:`crds_batch.cache.server_config.resolve_context` resolves every context
spec; it comes here only for date-based specs (``hst-2020-01-01T00:00:00``,
``hst-acs-2020-01-01``: the server's ``get_context_by_date``) and for
``<obs>-operational``/``-latest``/``-edit``/``-versions`` missing from the
cache's ``server_config`` (the server's ``get_default_context``), as crds's
``translate_date_based_context`` asks its server.
"""
from __future__ import annotations

from collections.abc import Mapping

from . import api
from .session import CrdsClient
from .settings import ClientSettings

#: The ``get_default_context`` state behind each symbolic suffix (None: the operational context).
_STATES = {"operational": None, "latest": None, "edit": "edit", "versions": "versions"}


def context_from_server(spec: str, observatory: str, env: Mapping[str, str], *, symbolic: bool) -> str | None:
    """The server's mapping name for ``spec``; None in serverless mode (no server to ask).
    ``symbolic``: ``spec`` is ``<obs>-operational``... rather than a date. Server faults raise
    :class:`~.errors.ServerError` (one line)."""
    settings = ClientSettings.from_env(env)
    if settings.serverless:
        return None
    with CrdsClient(settings) as client:
        if symbolic:
            return api.context_of_state(client, observatory, _STATES[spec.rsplit("-", 1)[-1]])
        return api.context_by_date(client, spec, observatory)
