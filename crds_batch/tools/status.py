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


def crds_status(env: Mapping[str, str] | None = None) -> dict[str, object]:
    """``crds list --status`` (13.2.7): the same labels, sorted as crds prints them.

    The observatory is crds's pick (CRDS_OBSERVATORY, the server URL, else jwst).
    "CRDS Version" names crds-batch's version (crds-batch is not crds); "Cache Locking"
    always says disabled: crds-batch never locks (it writes temp + fsync + rename).
    """
    from .contexts import pick_observatory

    env = dict(os.environ if env is None else env)
    observatory = pick_observatory(None, (), env)
    try:
        info = load_server_config(observatory, env)
        context = env.get("CRDS_CONTEXT") or info.latest_context or info.operational_context
        last_synced = info.raw.get("last_synced")
    except CrdsBatchError as exc:
        context = last_synced = f"unreadable config: {exc}"
    status = {
        "CRDS_PATH": env.get("CRDS_PATH", "undefined"),
        "CRDS_SERVER_URL": env.get("CRDS_SERVER_URL", "undefined"),
        "CRDS_MODE": env.get("CRDS_MODE", "auto"),
        "Readonly Cache": env.get("CRDS_READONLY_CACHE", "0").lower() in _TRUE_WORDS,
        "Cache Locking": "disabled, " + env.get("CRDS_LOCKING_MODE", "multiprocessing"),
        "Effective Context": context,
        "Last Synced": last_synced,
        "CRDS Version": f"crds-batch {__version__}",
        "Python Version": ".".join(str(part) for part in sys.version_info),
        "Python Executable": sys.executable,
    }
    return dict(sorted(status.items()))


def cache_status(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """crds-batch's lines after crds's block: every observatory's cache, contexts and cluster settings."""
    env = dict(os.environ if env is None else env)
    status = {
        "crds-batch Version": __version__,
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
        status[f"{name} Last Synced"] = str(info.raw.get("last_synced", "never (no server_config)"))
        status[f"{name} Bad Files"] = str(len(info.bad_files))
    status["Dask Scheduler"] = env.get("DASK_SCHEDULER_ADDRESS", "LocalCluster (default)")
    return status


#: server_config fields crds list --config shows under "CRDS Server Info".
SERVER_INFO_FIELDS = ("observatory", "connected", "operational_context", "last_synced", "reference_url",
                      "mapping_url")


def config_sections(observatory: str, env: Mapping[str, str] | None = None) -> list[tuple[str, dict]]:
    """``(title, {key: value})`` sections of ``list --config``, in crds's order and titles.

    crds prints every setting it knows with its default; here the CRDS_* variables
    that are set, the cache paths of ``observatory``, what its ``server_config``
    says and the Python in use.
    """
    env = dict(os.environ if env is None else env)
    paths = CachePaths.from_env(observatory, env)
    actual = {f"{component[:-1] if component.endswith('s') else component} root": paths.component(component)
              for component in ("config", "mappings", "pickles", "references")}
    try:
        raw = load_server_config(observatory, env).raw
    except CrdsBatchError as exc:
        raw = {"error": str(exc)}
    server = {key: raw[key] for key in SERVER_INFO_FIELDS if key in raw}
    return [
        ("CRDS Environment", {key: value for key, value in env.items() if key.startswith("CRDS_")}),
        ("CRDS Actual Paths", actual),
        ("CRDS Server Info", server),
        ("Python Environment", {"Python Version": platform.python_version(), "Python Executable": sys.executable,
                                "crds-batch Version": __version__}),
    ]
