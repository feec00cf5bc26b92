"""Where a CRDS cache keeps its files, from the environment as crds reads it.

For each component (mappings, references, config, pickles), first definition wins:
``CRDS_<X>PATH_SINGLE`` -> that path; ``CRDS_<X>PATH`` -> path/<obs>;
``CRDS_PATH_SINGLE`` -> path/<component>; ``CRDS_PATH`` -> path/<component>/<obs>;
else ``~/crds_cache/<component>/<obs>``.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import CacheError
from ..observatories import observatory_of_name

DEFAULT_CACHE = os.path.join(os.path.expanduser("~"), "crds_cache")

_COMPONENT_ENV = {
    "mappings": "CRDS_MAPPATH",
    "references": "CRDS_REFPATH",
    "config": "CRDS_CFGPATH",
    "pickles": "CRDS_PICKLEPATH",
}

CRDS_URI = "crds://"


@dataclass(frozen=True)
class CachePaths:
    """Resolved cache directories of one observatory."""

    observatory: str
    env: Mapping[str, str]

    @classmethod
    def from_env(cls, observatory: str, env: Mapping[str, str] | None = None) -> CachePaths:
        return cls(observatory.lower(), dict(os.environ if env is None else env))

    def component(self, component: str) -> str:
        """Directory of ``component`` (mappings, references, config, pickles)."""
        root_env = _COMPONENT_ENV[component]
        env = self.env
        if root_env + "_SINGLE" in env:
            path = env[root_env + "_SINGLE"]
        elif root_env in env:
            path = os.path.join(env[root_env], self.observatory)
        elif "CRDS_PATH_SINGLE" in env:
            path = os.path.join(env["CRDS_PATH_SINGLE"], component)
        elif "CRDS_PATH" in env:
            path = os.path.join(env["CRDS_PATH"], component, self.observatory)
        else:
            path = os.path.join(DEFAULT_CACHE, component, self.observatory)
        return os.path.abspath(os.path.expanduser(path))

    @property
    def mappings(self) -> str:
        return self.component("mappings")

    @property
    def references(self) -> str:
        return self.component("references")

    @property
    def config(self) -> str:
        return self.component("config")

    def reference_subdir_mode(self) -> str:
        """``flat`` or ``instrument``, from ``config/<obs>/ref_cache_subdir_mode``."""
        try:
            with open(os.path.join(self.config, "ref_cache_subdir_mode")) as handle:
                mode = handle.read().strip()
        except OSError:
            mode = "instrument"
        if mode not in ("flat", "instrument"):
            raise CacheError(f"Bad ref_cache_subdir_mode {mode!r} in {self.config}")
        return mode


def strip_uri(name: str) -> str:
    """``crds://x.fits`` -> ``x.fits``; other names unchanged."""
    return name[len(CRDS_URI):] if name.startswith(CRDS_URI) else name


def user_mapping_path(name: str) -> str:
    """Where a mapping named on the command line is read from, by crds's rule for user-given files.

    crds (>= 7.3.1, ``cmdline.Script.locate_file_outside_cache``) reads a plain
    file name from the current directory and ``crds://name`` from the cache.
    Here: ``crds://name`` -> ``name`` (the cache); a name with a directory ->
    that path; a plain name that exists in the current directory -> that file
    (absolute path); any other plain name -> ``name`` (the cache, where crds
    bestrefs and crds-batch have always looked for context names).
    """
    if name.startswith(CRDS_URI):
        return strip_uri(name)
    if os.path.dirname(name) or os.path.isfile(name):
        return os.path.abspath(name)
    return name


def locate_near(name: str, directories: tuple[str, ...] | list[str] = ()) -> str:
    """Path of child mapping ``name`` of mappings read from ``directories``: beside them when there, else the cache.

    A mapping read from outside the cache (a delivery being prepared) finds its
    new children beside it and the unchanged ones in the cache.
    """
    if not os.path.dirname(strip_uri(name)):
        for directory in directories:
            candidate = os.path.join(directory, strip_uri(name))
            if os.path.isfile(candidate):
                return candidate
    return locate_mapping(name)


def directories_of(*names: str) -> tuple[str, ...]:
    """The directories of those ``names`` that are paths (mappings read from outside the cache)."""
    return tuple(dict.fromkeys(os.path.dirname(name) for name in names if os.path.dirname(name)))


def locate_mapping(name: str, env: Mapping[str, str] | None = None) -> str:
    """Path of mapping ``name`` (a bare name, ``crds://`` name, or a path)."""
    name = strip_uri(name)
    if os.path.dirname(name):
        return os.path.abspath(name)
    observatory = observatory_of_name(name).name
    return os.path.join(CachePaths.from_env(observatory, env).mappings, name)


def locate_rule_reference(name: str, observatory: str, instrument: str | None = None,
                          env: Mapping[str, str] | None = None) -> str:
    """Path of a reference named *by a mapping*: a plain file name, resolving inside the cache's references.

    Unlike names a user types, a name taken from rules may not carry a directory (an absolute path,
    ``../``, ``crds://../``) nor lead out of the references directory through a symlink: a mapping
    must not make us read files outside the cache. Raises :class:`CacheError`.
    """
    plain = strip_uri(name)
    if not plain or os.path.dirname(plain) or plain in (".", "..") or "\0" in plain:
        raise CacheError(f"Reference name {name!r} from the rules is not a plain file name: refused")
    path = locate_reference(plain, observatory, instrument, env)
    root = os.path.realpath(CachePaths.from_env(observatory, env).references)
    if not os.path.realpath(path).startswith(root + os.sep):
        raise CacheError(f"Reference {name!r} from the rules leads outside the cache ({os.path.realpath(path)}): "
                         "refused")
    return path


def locate_reference(
    name: str, observatory: str, instrument: str | None = None, env: Mapping[str, str] | None = None
) -> str:
    """Path of reference ``name`` in the cache's flat or per-instrument layout."""
    name = strip_uri(name)
    if os.path.dirname(name):
        return os.path.abspath(name)
    paths = CachePaths.from_env(observatory, env)
    if paths.reference_subdir_mode() == "flat" or instrument is None:
        return os.path.join(paths.references, name)
    return os.path.join(paths.references, instrument.lower(), name)
