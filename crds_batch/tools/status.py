"""What ``crds-batch list --status`` reports: the configuration in force."""
from __future__ import annotations

import os
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
    says disabled: crds's multiprocessing cache lock is never taken (readers and writers rely on
    temp + fsync + rename); only `sync` locks, with its own file lock (see ``sync/lock.py``).
    """
    from .contexts import pick_observatory

    env = dict(os.environ if env is None else env)
    observatory = pick_observatory(None, (), env)
    try:
        info = load_server_config(observatory, env)
        context = info.latest_context or info.operational_context
        last_synced = info.raw.get("last_synced")
    except CrdsBatchError as exc:
        context = last_synced = f"unreadable config: {exc}"
    if env.get("CRDS_CONTEXT"):
        context = effective_context(env)
    status = {
        "CRDS_PATH": env.get("CRDS_PATH", "undefined"),
        "CRDS_SERVER_URL": env.get("CRDS_SERVER_URL", "undefined"),
        "CRDS_MODE": env.get("CRDS_MODE", "auto"),
        "Readonly Cache": env.get("CRDS_READONLY_CACHE", "0").lower() in _TRUE_WORDS,
        "Cache Locking": "disabled, " + env.get("CRDS_LOCKING_MODE", "multiprocessing"),
        "Effective Context": context,
        "Last Synced": last_synced,
        "CRDS Version": f"crds-batch {__version__}",
        **python_info({}),
    }
    return dict(sorted(status.items()))


def effective_context(env: Mapping[str, str]) -> str:
    """CRDS_CONTEXT as the mapping name it means (``hst-operational``, ``hst-edit``, a date: through the one
    resolver, :func:`~crds_batch.cache.server_config.resolve_context`, which asks the server only when the
    cache config cannot answer); one line saying why when it cannot be resolved."""
    from ..cache.server_config import resolve_context

    spec = env["CRDS_CONTEXT"]
    try:
        return os.path.basename(resolve_context(spec, None, env, user_files=False))
    except CrdsBatchError as exc:
        return f"unresolved {spec!r}: {exc}"


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


#: The CRDS_SERVER_URL crds uses when none is set (its serverless mode).
SERVERLESS_URL = "https://crds-serverless-mode.stsci.edu"

#: server_config fields crds list --config shows under "CRDS Server Info" (with its computed
#: connected, effective_mode and status).
SERVER_INFO_FIELDS = ("observatory", "latest_context", "operational_context", "last_synced", "reference_url",
                      "mapping_url")


def python_info(env: Mapping[str, str]) -> dict[str, str]:
    """crds list's "Python Environment": version as ``3.11.7.final.0``, the interpreter, PYTHON_PATH if set."""
    info = {"Python Version": ".".join(str(part) for part in sys.version_info), "Python Executable": sys.executable}
    if env.get("PYTHON_PATH"):
        info["PYTHON_PATH"] = env["PYTHON_PATH"]
    return info


def config_sections(observatory: str, env: Mapping[str, str] | None = None) -> list[tuple[str, dict]]:
    """``(title, {key: value})`` sections of ``list --config``: crds list --config's (13.2.7) titles in its
    order, then crds-batch's own section.

    Decided differently from crds: "CRDS Environment" holds the CRDS_* variables that are set (crds
    adds its defaults); "CRDS Server Info" is the cache's server_config, ``connected`` False and
    ``status`` 'cache' (--config does not contact a server), printed once (crds prints a partial copy
    first when the server sends no latest_context); "CRDS Client Config" names crds-batch.
    """
    from .. import __file__ as package_file

    env = dict(os.environ if env is None else env)
    paths = CachePaths.from_env(observatory, env)
    actual = {f"{component[:-1] if component.endswith('s') else component} root": paths.component(component)
              for component in ("config", "mappings", "pickles", "references")}
    try:
        info = load_server_config(observatory, env)
        raw, context = info.raw, env.get("CRDS_CONTEXT") or info.latest_context or info.operational_context
    except CrdsBatchError as exc:
        raw, context = {"error": str(exc)}, None
    mode = env.get("CRDS_MODE", "auto")
    server = {key: raw[key] for key in SERVER_INFO_FIELDS if key in raw}
    if "latest_context" in server:
        server.pop("operational_context", None)
    server.update(connected=False, effective_mode="local" if mode == "auto" else mode, status="cache")
    server_url = env.get("CRDS_SERVER_URL", SERVERLESS_URL)
    try:
        subdir_mode = paths.reference_subdir_mode()
    except CrdsBatchError as exc:
        subdir_mode = str(exc)
    client = {"server_url": server_url, "cache_subdir_mode": subdir_mode,
              "readonly_cache": env.get("CRDS_READONLY_CACHE", "0").lower() in _TRUE_WORDS,
              "effective_context": context, "crds": f"<module 'crds_batch' from '{package_file}'>",
              "version": f"crds-batch {__version__}"}
    downloads = {f"{kind}_uri": env.get(f"CRDS_{kind.upper()}_URI") or f"{server_url}/unchecked_get/{part}/{observatory}"
                 for kind, part in (("config", "config"), ("mapping", "mappings"), ("reference", "references"))}
    downloads["pickle_uri"] = env.get("CRDS_PICKLE_URI", "")
    sections = [
        ("CRDS Environment", {key: value for key, value in env.items() if key.startswith("CRDS")}),
        ("CRDS Client Config", client),
        ("CRDS Actual Paths", actual),
        ("CRDS Server Info", server),
        ("Actual Download URIs", downloads),
    ]
    if observatory == "hst":  # crds: the iref/jref/... directories HST's calibration software reads
        sections.append(("Calibration Environment", {key: value for key, value in env.items()
                                                     if len(key) == 4 and key.lower().endswith("ref")}))
    sections.append(("Python Environment", python_info(env)))
    sections.append(("crds-batch", {"crds-batch Version": __version__}))
    return sections
