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
    import ast

    try:
        with open(os.path.join(paths.config, "server_config")) as handle:
            raw = ast.literal_eval(handle.read())
    except (OSError, ValueError, SyntaxError):
        return None
    return raw.get("latest_context") or raw.get("operational_context") if isinstance(raw, dict) else None
