"""The cache config that switches the context, written last: ``server_config`` then ``bad_files.txt``.

``server_config`` is what the server said (``get_server_info``, its
``download_metadata`` left encoded, plus ``server``, ``status``,
``connected`` as crds adds them), written with ``pprint`` as crds writes it;
readers take the context in use from it. Each file is written temp + fsync +
rename, so a reader sees the old config or the new one. ``bad_files.txt`` is
crds's copy of the bad files for people (readers use ``server_config``).
"""
from __future__ import annotations

import os
import pprint

from ..cache.paths import CachePaths
from ..cache.server_config import forget_server_configs
from ..files.atomic import write_atomically
from .locate import SUBDIR_MODE_FILE


def server_config_text(info: dict, server_url: str) -> str:
    info = dict(info)
    info.update(server=server_url, status="server", connected=True)
    return pprint.pformat(info)


def write_config(paths: CachePaths, info: dict, server_url: str) -> None:
    os.makedirs(paths.config, exist_ok=True)
    with write_atomically(os.path.join(paths.config, "server_config")) as out:
        out.write(server_config_text(info, server_url).encode("utf-8"))
    with write_atomically(os.path.join(paths.config, "bad_files.txt")) as out:
        out.write("\n".join(info.get("bad_files_list") or ()).encode("utf-8"))
    forget_server_configs()


def write_subdir_mode(paths: CachePaths, mode: str) -> None:
    os.makedirs(paths.config, exist_ok=True)
    with write_atomically(os.path.join(paths.config, SUBDIR_MODE_FILE)) as out:
        out.write(mode.encode())


def configured_context(paths: CachePaths) -> str | None:
    """The context the cache's config names now (latest, else operational), None without a config."""
    return configured_context_kind(paths)[1]


def configured_context_kind(paths: CachePaths) -> tuple[str, str | None]:
    """``("latest", name)`` when the cache's config has a latest context, else ``("operational", name)``
    (crds's word for what it pushes), name None without a config."""
    import ast

    try:
        with open(os.path.join(paths.config, "server_config")) as handle:
            raw = ast.literal_eval(handle.read())
    except (OSError, ValueError, SyntaxError):
        return "operational", None
    if not isinstance(raw, dict):
        return "operational", None
    if "latest_context" in raw:
        return "latest", raw.get("latest_context") or raw.get("operational_context")
    return "operational", raw.get("operational_context")


def verify_context_change(old: str | None, new: str | None, report) -> None:
    """``--verify-context-change``: an error when the sync left the cache's context where it was (crds's words)."""
    if old == new:
        report.error(f"Expected latest context switch but starting and post-sync contexts are both {old!r}")
    else:
        report.info(f"Latest context updated from {old!r} to {new!r}")


def push_context(client, observatory: str, paths: CachePaths, key: str, report) -> None:
    """``--push-context KEY``: tell the server the context the cache now uses, for the pipeline of ``KEY``."""
    kind, context = configured_context_kind(paths)
    try:
        client.call("push_remote_context", observatory, kind, key, context)
    except Exception as exc:  # noqa: BLE001 - crds's words: the push failed, say why, as an error
        report.error(f"Failed pushing cached {kind} context name to CRDS server: {exc}")
        return
    report.info(f"Pushed cached {kind} context name {context!r} to CRDS server")
