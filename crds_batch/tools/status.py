"""What ``crds-batch list --status`` reports: the configuration in force."""
from __future__ import annotations

import os
import platform
import sys
from collections.abc import Mapping

from .. import __version__
from ..cache import CachePaths, load_server_config
from ..errors import CrdsBatchError
from ..observatories import OBSERVATORIES

_TRUE_WORDS = ("1", "true", "yes", "on")


def cache_status(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return ordered ``{label: value}`` describing the cache, contexts and cluster settings."""
    env = dict(os.environ if env is None else env)
    status = {
        "crds-batch Version": __version__,
        "CRDS_PATH": env.get("CRDS_PATH", "undefined"),
        "CRDS_SERVER_URL": env.get("CRDS_SERVER_URL", "undefined"),
        "CRDS_CONTEXT": env.get("CRDS_CONTEXT", "undefined"),
        "CRDS_OBSERVATORY": env.get("CRDS_OBSERVATORY", "undefined"),
    }
    for name in OBSERVATORIES:
        paths = CachePaths.from_env(name, env)
        if not os.path.isdir(paths.mappings):
            continue
        try:
            info = load_server_config(name, env)
        except CrdsBatchError as exc:
            status[f"{name} Effective Context"] = f"unreadable config: {exc}"
            continue
        context = info.latest_context or info.operational_context or "unknown (no server_config)"
        status[f"{name} Effective Context"] = context
        status[f"{name} Bad Files"] = str(len(info.bad_files))
    status["Readonly Cache"] = str(env.get("CRDS_READONLY_CACHE", "0").lower() in _TRUE_WORDS)
    status["Dask Scheduler"] = env.get("DASK_SCHEDULER_ADDRESS", "LocalCluster (default)")
    status["Python Executable"] = sys.executable
    status["Python Version"] = platform.python_version()
    return status
