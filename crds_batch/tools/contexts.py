"""Which mappings a tool works on: crds's context specifiers, read from the cache.

``--contexts`` takes mapping names and symbolic names (``hst-operational``,
``jwst-edit``, and below a pipeline: ``jwst-fgs-edit`` -> the imap,
``jwst-fgs-linearity-edit`` -> the rmap); ``--range N:M``, ``--all``,
``--last N``, ``--up-to-context C`` and ``--after-context C`` pick pipeline
contexts (.pmaps) of the cache, sorted by name as crds lists them.
Date-based names need a CRDS server (``CRDS_SERVER_URL``).

The closures (every mapping or reference under a set of mappings) load each
mapping once per process (:mod:`.mapping_tree` caches the parsed files), and
never parse an rmap to learn its sub-mappings (it has none).
"""
from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from ..cache import CachePaths, resolve_context
from ..cache.server_config import is_mapping_name
from ..errors import CrdsBatchError, UnknownContextError
from ..observatories import OBSERVATORIES
from ..rules.parsing import SelectorCall
from .mapping_tree import is_special, load_parsed, terminal_files

#: Words that end a symbolic context name (crds's CONTEXT_RE tags).
SYMBOLIC_TAGS = ("edit", "operational", "latest", "build", "versions")
#: crds's default observatory when nothing names one (its serverless default).
DEFAULT_OBSERVATORY = "jwst"
_DATE = re.compile(r"\d\d\d\d-\d\d-\d\d(T\d\d:\d\d:\d\d(\.\d+)?)?$")
_SERIAL = re.compile(r"\w+_(\d+)\.pmap$")


@dataclass(frozen=True)
class ContextChoice:
    """The context specifiers of a command line (at most one of them is used, as in crds)."""

    contexts: tuple[str, ...] = ()
    range: tuple[int, int] | None = None
    all: bool = False
    last: int | None = None
    up_to: str | None = None
    after: str | None = None

    @property
    def given(self) -> bool:
        return bool(self.contexts or self.range or self.all or self.last or self.up_to or self.after)


def parse_range(text: str) -> tuple[int, int]:
    """``"N:M"`` -> ``(N, M)``, refusing what crds refuses."""
    match = re.fullmatch(r"(\d+):(\d+)", text.strip())
    if not match or int(match.group(1)) > int(match.group(2)):
        raise UnknownContextError(f"Invalid context range specification {text!r} (want MIN:MAX, MIN <= MAX)")
    return int(match.group(1)), int(match.group(2))


def pick_observatory(explicit: str | None, names: Iterable[str] = (), env: Mapping[str, str] | None = None) -> str:
    """The observatory as crds picks it: the flag, CRDS_OBSERVATORY, the server URL, the names given, else jwst."""
    env = os.environ if env is None else env
    if explicit and explicit.lower() != "none":  # crds writes CRDS_OBSERVATORY=none for "not set"
        return explicit.lower()
    if env.get("CRDS_OBSERVATORY", "").lower() not in ("", "none"):
        return env["CRDS_OBSERVATORY"].lower()
    url = env.get("CRDS_SERVER_URL", "").lower()
    for name in OBSERVATORIES:
        if name in url:
            return name
    for name in names:
        base = os.path.basename(name.removeprefix("crds://")).lower()
        for observatory in OBSERVATORIES:
            if base.startswith(observatory):
                return observatory
    return DEFAULT_OBSERVATORY


def cached_mappings(observatory: str, pattern: str = "*.*map", env: Mapping[str, str] | None = None) -> list[str]:
    """Sorted names of the cache's mappings matching ``pattern`` (crds's list_mappings)."""
    directory = CachePaths.from_env(observatory, env).mappings
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    return sorted(name for name in names if fnmatch.fnmatch(name, pattern) and is_mapping_name(name))


def cached_references(observatory: str, env: Mapping[str, str] | None = None) -> list[str]:
    """Paths of every file under the cache's references directory, sorted by base name then path."""
    root = CachePaths.from_env(observatory, env).references
    paths = []
    for directory, _dirs, files in os.walk(root):
        paths.extend(os.path.join(directory, name) for name in files if not name.startswith("."))
    return sorted(paths, key=lambda path: (os.path.basename(path), path))


def select_contexts(choice: ContextChoice, observatory: str, env: Mapping[str, str] | None = None) -> list[str]:
    """The sorted mapping names a command line's context specifiers mean (crds's determine_contexts)."""
    env = os.environ if env is None else env
    if choice.contexts:
        resolved = [resolve_specifier(spec, observatory, env) for spec in choice.contexts]
        return sorted(name for name in resolved if name != "N/A")
    if choice.all or choice.last or choice.range or choice.up_to or choice.after:
        return pick_pmaps(choice, cached_mappings(observatory, "*.pmap", env),
                          lambda spec: resolve_specifier(spec, observatory, env), "the cache")
    if env.get("CRDS_CONTEXT"):
        return [resolve_specifier(env["CRDS_CONTEXT"], observatory, env)]
    return [resolve_specifier(f"{observatory}-latest", observatory, env)]


def pick_pmaps(choice: ContextChoice, pmaps: list[str], resolve: Callable[[str], str], where: str) -> list[str]:
    """The pipeline contexts ``--all``, ``--last``, ``--range``, ``--up-to-context`` or ``--after-context`` pick
    from ``pmaps`` (sorted names, of a cache or a server: ``where``); ``resolve`` turns a spec into a name."""
    if choice.all:
        return list(pmaps)
    if choice.last:
        return list(pmaps[-choice.last:])
    if choice.range:
        low, high = choice.range
        return [name for name in pmaps if (m := _SERIAL.match(name)) and low <= int(m.group(1)) <= high]
    spec = choice.up_to or choice.after
    name = resolve(spec)
    if name not in pmaps:
        flag = "--up-to-context" if choice.up_to else "--after-context"
        raise UnknownContextError(f"Invalid {flag} {spec!r}: {name!r} is not a context of {where}")
    index = pmaps.index(name)
    return list(pmaps[:index + 1] if choice.up_to else pmaps[index:])


def resolve_specifier(spec: str, observatory: str, env: Mapping[str, str] | None = None) -> str:
    """One ``--contexts`` word -> a mapping name (symbolic names below a pipeline walk its selectors)."""
    env = os.environ if env is None else env
    if is_mapping_name(spec):
        return os.path.basename(spec.removeprefix("crds://"))
    words = spec.lower().split("-")
    date = _date_suffix(spec)
    if date is not None:
        return _resolve_by_date(spec, observatory, env)
    if len(words) < 2 or words[-1] not in SYMBOLIC_TAGS or words[0] not in OBSERVATORIES:
        raise UnknownContextError(f"Unknown context {spec!r}: give a mapping name or <obs>[-<instrument>[-<type>]]-"
                                  f"({'|'.join(SYMBOLIC_TAGS)}|<date>)")
    pipeline = resolve_context(f"{words[0]}-{words[-1]}", words[0], env)
    return descend(pipeline, words[1:-1], spec)


def descend(mapping: str, keys: list[str], spec: str) -> str:
    """Follow selector ``keys`` (an instrument, then a type) down from ``mapping``; N/A stays N/A."""
    name = mapping
    for key in keys:
        selector = load_parsed(name).selector
        choices = {str(k).lower(): v for k, v in selector.items()} if isinstance(selector, dict) else {}
        if key not in choices:
            raise UnknownContextError(f"Context {spec!r}: {key!r} is not selected by {os.path.basename(name)}")
        name = choices[key]
        if is_special(name):
            return "N/A"
    return os.path.basename(name)


def _date_suffix(spec: str) -> str | None:
    for cut in range(len(spec)):
        if (cut == 0 or spec[cut - 1] == "-") and _DATE.match(spec[cut:]):
            return spec[cut:]
    return None


def _resolve_by_date(spec: str, observatory: str, env: Mapping[str, str]) -> str:
    url = env.get("CRDS_SERVER_URL", "")
    if not url or "serverless" in url:
        raise UnknownContextError(f"Context {spec!r} is date-based: it needs a CRDS server (set CRDS_SERVER_URL)")
    from ..client import ClientSettings, CrdsClient

    with CrdsClient(ClientSettings.from_env()) as client:
        return str(client.call("get_context_by_date", spec, observatory))


# -- closures ------------------------------------------------------------------------------------

@dataclass
class Closure:
    """Mappings and references under some mappings; the mappings that could not be read are skipped (as crds
    warns "Failed loading context" and goes on)."""

    mappings: list[str]
    references: list[str]
    skipped: list[tuple[str, str]]


def closure(names: Iterable[str], with_references: bool = True) -> Closure:
    """Every mapping (sorted, the given ones included) and reference under ``names``."""
    mappings: set[str] = set()
    references: set[str] = set()
    skipped = []
    for top in names:
        try:
            below = _closure_of(os.path.basename(top))
            refs = set().union(*(_rmap_references(name) for name in below if name.endswith(".rmap"))) \
                if with_references else set()
        except CrdsBatchError as exc:
            skipped.append((top, str(exc)))
            continue
        mappings |= below
        references |= refs
    return Closure(sorted(mappings), sorted(references), skipped)


def _closure_of(top: str) -> set[str]:
    seen: set[str] = set()
    pending = [top]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        if not name.endswith(".rmap"):
            pending.extend(_children(name))
    return seen


@lru_cache(maxsize=None)
def _children(name: str) -> tuple[str, ...]:
    selector = load_parsed(name).selector
    if isinstance(selector, SelectorCall):
        return ()
    return tuple(value for value in selector.values() if isinstance(value, str) and not is_special(value))


@lru_cache(maxsize=None)
def _rmap_references(name: str) -> frozenset[str]:
    return frozenset(terminal_files(load_parsed(name).selector))
