"""``crds-batch safe-bestrefs``: crds's ``safe_bestrefs`` script, for pipelines running beside a cache sync.

crds's script (13.2.7) runs ``crds bestrefs --readonly-cache --update-bestrefs``
with this environment: ``CRDS_LOG_TIME=1``, ``CRDS_SERVER_URL`` set to a
serverless URL (no server contact, so no pipeline stalls on a server),
``CRDS_READONLY_CACHE=1`` (the cache is never written), one client try and no
retry delay. Here the same environment is set for the run (and restored
after); bestrefs on files only reads the cache, through files that are
replaced atomically by a sync, so a lookup sees one whole context.
"""
from __future__ import annotations

from ..settings import environment

#: The environment crds's safe_bestrefs exports (the server URL is crds's serverless one).
SAFE_ENVIRONMENT = {
    "CRDS_LOG_TIME": "1",
    "CRDS_SERVER_URL": "https://crds-serverless-mode.stsci.edu",
    "CRDS_READONLY_CACHE": "1",
    "CRDS_CLIENT_RETRY_COUNT": "1",
    "CRDS_CLIENT_RETRY_DELAY_SECONDS": "0",
}


def safe_environment():
    """The block runs in :data:`SAFE_ENVIRONMENT`."""
    return environment(SAFE_ENVIRONMENT)


def safe_bestrefs(request, progress=None):
    """``run_files`` with ``update=True`` in :data:`SAFE_ENVIRONMENT`; returns its ``FilesResult``."""
    from dataclasses import replace

    from ..files.bestrefs import run_files

    with safe_environment():
        return run_files(replace(request, update=True), progress=progress)
