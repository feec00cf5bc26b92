"""The cache's record of what the server said: contexts, bad files.

``config/<obs>/server_config`` is a Python literal written with pprint; it is
read with :func:`ast.literal_eval`, never executed.
"""
from __future__ import annotations

import ast
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from ..errors import CacheError, UnknownContextError
from ..observatories import OBSERVATORIES, observatory_of_name
from .paths import CachePaths, strip_uri, user_mapping_path

MAPPING_EXTENSIONS = (".pmap", ".imap", ".rmap")


@dataclass(frozen=True)
class ServerConfig:
    """The parts of ``server_config`` crds-batch uses."""

    observatory: str
    operational_context: str | None = None
    latest_context: str | None = None
    edit_context: str | None = None
    versions_context: str | None = None
    bad_files: frozenset[str] = field(default_factory=frozenset)
    raw: Mapping = field(default_factory=dict, repr=False, compare=False)


def load_server_config(observatory: str, env: Mapping[str, str] | None = None) -> ServerConfig:
    """Read ``config/<obs>/server_config``; empty if absent.

    The bad files are the server's ``bad_files_list``, as crds reads them;
    ``bad_files.txt`` (crds's copy of that list) is read only for a
    ``server_config`` without one.
    """
    config_dir = CachePaths.from_env(observatory, env).config
    return _load_server_config_cached(observatory.lower(), config_dir)


@lru_cache(maxsize=32)
def _load_server_config_cached(observatory: str, config_dir: str) -> ServerConfig:
    path = os.path.join(config_dir, "server_config")
    raw: dict = {}
    if os.path.exists(path):
        try:
            with open(path) as handle:
                raw = ast.literal_eval(handle.read())
        except (OSError, ValueError, SyntaxError) as exc:
            raise CacheError(f"Cannot read {path}: {exc}") from None
        if not isinstance(raw, dict):
            raise CacheError(f"Cannot read {path}: not a dict literal")
    bad = set(raw.get("bad_files_list", ()) or ())
    bad_path = os.path.join(config_dir, "bad_files.txt")
    if "bad_files_list" not in raw and os.path.exists(bad_path):
        with open(bad_path) as handle:
            bad.update(line.strip() for line in handle if line.strip())
    return ServerConfig(
        observatory=observatory,
        operational_context=raw.get("operational_context"),
        latest_context=raw.get("latest_context"),
        edit_context=raw.get("edit_context"),
        versions_context=raw.get("versions_context"),
        bad_files=frozenset(bad),
        raw=raw,
    )


def forget_server_configs() -> None:
    """Make the next :func:`load_server_config` read the files again (a server that sees them change)."""
    _load_server_config_cached.cache_clear()


def is_mapping_name(name: str) -> bool:
    return strip_uri(name).endswith(MAPPING_EXTENSIONS)


def resolve_context(
    context: str | None = None,
    observatory: str | None = None,
    env: Mapping[str, str] | None = None,
    *,
    user_files: bool = True,
) -> str:
    """Turn a context spec into a mapping name, as crds does offline.

    ``None`` means ``CRDS_CONTEXT``, else the observatory's operational context.
    Symbolic names: ``<obs>-operational``, ``<obs>-latest``, ``latest``,
    ``<obs>-edit``, ``<obs>-versions``, from the cache config; when it lacks
    one, and for date-based specs (``hst-2020-01-01T00:00:00``), the CRDS
    server (``CRDS_SERVER_URL`` in ``env``) is asked, as crds does; without
    one they are refused with a clear message. A mapping name follows crds's rule for
    user-given files (:func:`~.paths.user_mapping_path`): a plain name that
    exists in the current directory is read from there (an absolute path is
    returned), ``crds://name`` from the cache. ``user_files=False`` reads every
    plain name from the cache, as crds's Python API (``getrecommendations``) does.
    """
    env = os.environ if env is None else env
    if context is None:
        context = env.get("CRDS_CONTEXT") or None
    if context is None:
        if observatory is None:
            observatory = env.get("CRDS_OBSERVATORY")
        if observatory is None:
            raise UnknownContextError("No context given: pass --new-context or set CRDS_CONTEXT")
        context = f"{observatory.lower()}-operational"
    if is_mapping_name(context):
        # crds's rule for names users give: ./name if it exists here, crds://name the cache.
        return user_mapping_path(context) if user_files else strip_uri(context)
    context = strip_uri(context)
    if observatory is None:
        observatory = context.split("-", 1)[0] if "-" in context else env.get("CRDS_OBSERVATORY")
    if observatory is None or observatory.lower() not in OBSERVATORIES:
        raise UnknownContextError(f"Cannot determine the observatory of context {context!r}")
    obs = observatory.lower()
    info = load_server_config(obs, env)
    wanted = {
        f"{obs}-operational": info.latest_context or info.operational_context,
        f"{obs}-latest": info.latest_context or info.operational_context,
        "latest": info.latest_context or info.operational_context,
        f"{obs}-edit": info.edit_context,
        f"{obs}-versions": info.versions_context,
    }
    if wanted.get(context):
        return wanted[context]
    from ..client.contexts import context_from_server  # only when the cache cannot answer

    resolved = context_from_server(context, obs, env, symbolic=context in wanted)
    if resolved:
        return resolved
    if context in wanted:
        raise UnknownContextError(
            f"Context {context!r} is not defined by the cache config of {obs!r} "
            f"({CachePaths.from_env(obs, env).config}/server_config) and no CRDS server is configured"
        )
    raise UnknownContextError(
        f"Unknown context {context!r}: give a .pmap/.imap/.rmap name or one of {', '.join(wanted)}"
        " (date-based contexts need a CRDS server: CRDS_SERVER_URL)"
    )


def observatory_of_context(context: str) -> str:
    return observatory_of_name(strip_uri(context)).name
