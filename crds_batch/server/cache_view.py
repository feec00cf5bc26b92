"""What ``crds-batch serve`` serves: one observatory's part of a CRDS cache, plus a parameter store.

The cache is read as it is on disk at each request (a sync into it while
serving is seen by the next request); ``server_config`` is re-read when its
modification time changes. File names asked for by clients are confined to
the cache: a name is a single path component, and the resolved file (after
symlinks) must lie inside the resolved component directory.
"""
from __future__ import annotations

import datetime
import hashlib
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..cache.paths import CachePaths
from ..cache.server_config import MAPPING_EXTENSIONS, ServerConfig, forget_server_configs, load_server_config
from ..errors import CacheError
from ..observatories import OBSERVATORIES

#: The cache components clients download from, as named in the download URLs.
COMPONENTS = ("mappings", "references", "config")

#: What a real CRDS server advertises for the size of one header/bestrefs request.
DEFAULT_MAX_PER_RPC = 1000

_HASH_BLOCK = 1 << 20

#: Environment variables that would move a component away from ``CRDS_PATH``.
_PATH_OVERRIDES = ("CRDS_PATH_SINGLE",) + tuple(
    f"CRDS_{part}PATH{suffix}" for part in ("MAP", "REF", "CFG", "PICKLE") for suffix in ("", "_SINGLE"))


@dataclass(frozen=True)
class FileFacts:
    """Size and whole-file sha1 of one served file."""

    path: str
    size: int
    sha1sum: str


def cache_environment(cache: str | None, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The CRDS environment the server reads its cache through: ``--cache DIR`` replaces ``CRDS_PATH``
    and drops the per-component overrides; without it the caller's ``CRDS_PATH``... are used as crds does.
    ``CRDS_SERVER_URL`` is dropped: the server answers from its cache and never asks another server
    (or itself) to resolve a context."""
    env = dict(os.environ if env is None else env)
    env.pop("CRDS_SERVER_URL", None)
    if cache:
        for name in _PATH_OVERRIDES:
            env.pop(name, None)
        env["CRDS_PATH"] = os.path.abspath(os.path.expanduser(cache))
    return env


def served_observatory(observatory: str | None, env: Mapping[str, str]) -> str:
    """``--observatory``, else ``CRDS_OBSERVATORY``, else the only observatory with mappings in the cache."""
    chosen = observatory or env.get("CRDS_OBSERVATORY")
    if chosen:
        chosen = chosen.lower()
        if chosen not in OBSERVATORIES:
            raise CacheError(f"Unknown observatory {chosen!r}: one of {', '.join(sorted(OBSERVATORIES))}")
        return chosen
    present = [name for name in sorted(OBSERVATORIES)
               if os.path.isdir(CachePaths.from_env(name, env).mappings)]
    if len(present) != 1:
        found = ", ".join(present) or "none"
        raise CacheError(f"Say which observatory to serve with --observatory (mappings found for: {found})")
    return present[0]


class CacheView:
    """One observatory's files and config in a CRDS cache, as a server reads them."""

    def __init__(self, observatory: str, env: Mapping[str, str]):
        self.observatory = observatory
        self.env = dict(env)
        self.paths = CachePaths.from_env(observatory, self.env)
        self._digests: dict[str, tuple[int, int, str]] = {}
        self._digest_lock = threading.Lock()
        self._config_stamp: tuple[int, int] | None = None
        self._config_lock = threading.Lock()

    # -- config ---------------------------------------------------------------------------------------
    def server_config(self) -> ServerConfig:
        """The cache's ``config/<obs>/server_config`` (re-read after it changes)."""
        path = os.path.join(self.paths.config, "server_config")
        try:
            stat = os.stat(path)
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = None
        with self._config_lock:
            if stamp != self._config_stamp:
                forget_server_configs()
                self._config_stamp = stamp
            return load_server_config(self.observatory, self.env)

    def config_written(self) -> str:
        """When the cache's server_config was last written (its last sync), as crds prints dates."""
        try:
            stamp = os.stat(os.path.join(self.paths.config, "server_config")).st_mtime
        except OSError:
            return "never"
        return str(datetime.datetime.fromtimestamp(stamp))

    # -- listings -------------------------------------------------------------------------------------
    def mapping_names(self) -> list[str]:
        """Mapping files of this observatory in the cache, sorted."""
        return sorted(name for name in _listdir(self.paths.mappings)
                      if name.endswith(MAPPING_EXTENSIONS) and name.startswith(self.observatory)
                      and os.path.isfile(os.path.join(self.paths.mappings, name)))

    def reference_paths(self) -> dict[str, str]:
        """``{name: path}`` of the references in the cache (flat or per-instrument layout)."""
        root = self.paths.references
        found: dict[str, str] = {}
        for entry in _listdir(root):
            path = os.path.join(root, entry)
            if os.path.isdir(path):
                for name in _listdir(path):
                    sub = os.path.join(path, name)
                    if os.path.isfile(sub) and not name.startswith("."):
                        found.setdefault(name, sub)
            elif os.path.isfile(path) and not entry.startswith("."):
                found.setdefault(entry, path)
        return found

    def served_files(self) -> dict[str, str]:
        """``{name: real path}`` of every mapping and reference clients may download (confined)."""
        files: dict[str, str] = {}
        for root, found in ((self.paths.mappings, {n: os.path.join(self.paths.mappings, n)
                                                   for n in self.mapping_names()}),
                            (self.paths.references, self.reference_paths())):
            for name, path in found.items():
                real = confined(root, path)
                if real is not None:
                    files[name] = real
        return files

    # -- single files ---------------------------------------------------------------------------------
    def locate(self, component: str, name: str) -> str | None:
        """The real path of file ``name`` of ``component``, or None if it is not a file inside the cache."""
        if component not in COMPONENTS or not is_plain_name(name):
            return None
        root = self.paths.component(component)
        candidates = [os.path.join(root, name)]
        if component == "references":  # flat, or one directory per instrument
            candidates += [os.path.join(root, sub, name) for sub in sorted(_listdir(root))
                           if not sub.startswith(".") and os.path.isdir(os.path.join(root, sub))]
        for candidate in candidates:
            if os.path.lexists(candidate):
                return confined(root, candidate)
        return None

    def locate_mapping(self, name: str) -> str | None:
        if not name.endswith(MAPPING_EXTENSIONS) or not name.startswith(self.observatory):
            return None
        return self.locate("mappings", name)

    def facts(self, names: Iterable[str] | None = None, *, hash_references: bool = True) -> dict[str, FileFacts]:
        """Size and sha1 of the named served files (all when None); unknown names are left out.

        Digests are remembered per (path, size, mtime), so only new or changed files are read.
        With ``hash_references=False`` a reference not hashed yet has sha1 ``none`` (the crds
        client then checks only its size): the server hashes references in the background
        at startup, and a large cache's references must not hold up ``get_server_info``.
        """
        files = self.served_files()
        wanted = files if names is None else {n: files[n] for n in names if n in files}
        mappings = os.path.realpath(self.paths.mappings) + os.sep
        result: dict[str, FileFacts] = {}
        for name, path in wanted.items():
            try:
                stat = os.stat(path)
                compute = hash_references or path.startswith(mappings)
                result[name] = FileFacts(path, stat.st_size, self._sha1(path, stat, compute))
            except OSError:  # removed while we looked
                continue
        return result

    def _sha1(self, path: str, stat: os.stat_result, compute: bool = True) -> str:
        key = (stat.st_size, stat.st_mtime_ns)
        known = self._digests.get(path)
        if known is not None and known[:2] == key:
            return known[2]
        if not compute:
            return "none"
        digest = hashlib.sha1()
        with open(path, "rb") as handle:
            while block := handle.read(_HASH_BLOCK):
                digest.update(block)
        with self._digest_lock:
            self._digests[path] = (*key, digest.hexdigest())
        return digest.hexdigest()


def is_plain_name(name: str) -> bool:
    """A single, ordinary file name: no separators, no ``.``/``..``, no NUL, not hidden."""
    return (bool(name) and "/" not in name and "\\" not in name and "\0" not in name
            and not name.startswith(".") and len(name) <= 255)


def confined(root: str, path: str) -> str | None:
    """``path`` resolved through symlinks, if it is a regular file inside resolved ``root``; else None."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    if os.path.commonpath([real_root, real]) != real_root or real == real_root:
        return None
    return real if os.path.isfile(real) else None


def _listdir(path: str) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []
