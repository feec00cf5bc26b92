"""``crds-batch serve``: a CRDS-compatible server of a local cache and a parameter store.

The real ``crds`` client talks to it unchanged (``CRDS_SERVER_URL``): JSON-RPC
1.0 at ``/json/`` (:mod:`.jsonrpc`, methods in :mod:`.methods`), file
downloads at ``/unchecked_get/...`` (:mod:`.downloads`), ``/health``.
"""
from __future__ import annotations

from .app import ServerSettings, build_state, make_app, run_server

__all__ = ["ServerSettings", "build_state", "make_app", "run_server"]
