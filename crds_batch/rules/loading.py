"""Loading mappings from the CRDS cache, once per process.

``load_context("hst_0729.pmap")`` returns the immutable pmap; its imaps and
rmaps load on first use.  Every mapping file is parsed once per process and
shared (cache keyed by resolved path), so contexts that share rmaps share
their compiled objects too.  Checksums are verified unless
``CRDS_IGNORE_MAPPING_CHECKSUM`` is true.  A broken file raises one
:class:`~crds_batch.errors.MappingError` line naming the file and the fault.
"""
from __future__ import annotations

import os
import threading
from typing import Union

from ..cache import locate_mapping, locate_near, resolve_context
from ..errors import CacheError, MappingError, MappingFormatError
from .mappings import InstrumentContext, Mapping_, PipelineContext, ReferenceMapping
from .parsing import check_checksum, parse_mapping_once

AnyMapping = Union[PipelineContext, InstrumentContext, ReferenceMapping]

_CLASSES = {".pmap": PipelineContext, ".imap": InstrumentContext, ".rmap": ReferenceMapping}
_BY_TYPE = {"pipeline": PipelineContext, "instrument": InstrumentContext, "reference": ReferenceMapping}

_cache: dict[tuple[str, bool], Mapping_] = {}
_lock = threading.RLock()

_TRUE = ("True", "true", "TRUE", "T", "t", "1")
_FALSE = ("False", "false", "FALSE", "F", "f", "0")


def env_flag(name: str, default: bool = False) -> bool:
    """A boolean CRDS environment variable, read as crds reads it (bad spellings are an error)."""
    value = os.environ.get(name)
    if value is None:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"Invalid value {value!r} for boolean env var {name!r}")


def load_context(context: str | None = None, observatory: str | None = None) -> AnyMapping:
    """Load a context by name, path or symbolic name (``hst-operational``, ``CRDS_CONTEXT``...).

    Parameters
    ----------
    context : str, optional
        ``hst_0729.pmap``, a path to a mapping, an .imap/.rmap name, or a
        symbolic name resolved through the cache's server_config.
    observatory : str, optional
        Needed only when ``context`` is None or symbolic without an observatory prefix.

    Returns
    -------
    PipelineContext, InstrumentContext or ReferenceMapping
        Shared, immutable; sub-mappings load lazily.
    """
    return load_mapping(resolve_context(context, observatory))


def load_mapping(name: str) -> AnyMapping:
    """Load (once per process) the mapping called ``name`` (bare name, ``crds://`` name or path)."""
    path = locate_mapping(name)
    ignore = env_flag("CRDS_IGNORE_MAPPING_CHECKSUM")
    key = (path, ignore)
    found = _cache.get(key)
    if found is not None:
        return found
    with _lock:
        found = _cache.get(key)
        if found is None:
            found = _cache[key] = _read(path, ignore)
    return found


def clear_cache() -> None:
    """Forget every loaded mapping and SYSTEM CRDSCFG (tests that rewrite files under the same name)."""
    from . import crdscfg

    with _lock:
        _cache.clear()
    crdscfg.clear_cache()


def _read(path: str, ignore_checksum: bool) -> AnyMapping:
    basename = os.path.basename(path)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise CacheError(f"Cannot read mapping {basename!r} at {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise MappingFormatError(f"{basename}: not UTF-8 text (byte {exc.object[exc.start]:#04x} "
                                 f"at offset {exc.start})") from None
    parsed = parse_mapping_once(text, basename)
    try:
        cls = _CLASSES.get(os.path.splitext(path)[1]) or _BY_TYPE[str(parsed.header.get("mapping", "")).lower()]
        if cls is ReferenceMapping:
            mapping = cls(parsed, path)
        else:
            mapping = cls(parsed, path, _sibling_loader(path))
    except MappingError:
        raise
    except KeyError as exc:
        raise MappingFormatError(f"{basename}: missing or unknown {exc}") from None
    except Exception as exc:  # any structural surprise in a hand-edited file: one line, with the file
        raise MappingFormatError(f"{basename}: {type(exc).__name__}: {exc}") from None
    if not ignore_checksum:
        check_checksum(parsed)
    return mapping


def _sibling_loader(parent_path: str):
    """Children of a mapping load from its own directory (the cache's mappings are flat), else the cache.

    This lets a worker load a context from a private copy of the rules (see
    crds_batch.batch.rules_bundle) without a CRDS cache of its own, and a
    mapping read from outside the cache find its unchanged children in the cache.
    """
    directory = os.path.dirname(parent_path)

    def load_child(name: str) -> AnyMapping:
        return load_mapping(locate_near(os.path.basename(name), (directory,)))

    return load_child


def instrument_closure(context: AnyMapping, instrument: str | None) -> list[str]:
    """Mapping names crds checks for bad rules: the instrument's imap closure, else the whole context."""
    target: AnyMapping = context
    if isinstance(context, PipelineContext) and instrument is not None:
        try:
            target = context.get_imap(instrument)
        except Exception:
            target = context
    return target.mapping_names()
