"""Parsed mappings kept on disk, so that a command does not parse the same mapping texts again.

Parsing a context's mappings with :mod:`ast` is most of a batch command's planning (the 140 mappings
``affected`` reads for hst_0650 -> hst_0729 take ~0.2 s); the same values read back from JSON take a
tenth of that. A parse is stored under the sha1 of its text and of the parser's own source, so an edited
mapping or another parser never meets an old entry; a file is written to a temp name and renamed into
place. Entries are plain JSON (never code, never pickles): lists tagged with what they stand for, selector
calls only of :data:`~.parsing.SELECTOR_NAMES`. An entry that does not read back as such (truncated,
edited, another format) is ignored and parsed again; failures to parse are never stored (the parser
reports them each time), nor is anything when the directory cannot be written.

Setting ``crds_batch.parse-cache`` (DASK_CRDS_BATCH__PARSE_CACHE): the directory, ``false`` to keep
nothing; by default ``$XDG_CACHE_HOME/crds-batch/parsed`` (``~/.cache/crds-batch/parsed``). The
directory may be deleted at any time.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import lru_cache
from typing import Any

from .parsing import SELECTOR_NAMES, ParsedMapping, SelectorCall, parse_mapping

#: Setting (Dask config ``crds_batch.parse-cache``): the directory, or false / "" for none.
PARSE_CACHE = "parse-cache"
#: The layout of an entry; part of every key.
_FORMAT = "crds-batch parsed mapping 1"


def cached_parse(text: str, name: str = "(noname)") -> ParsedMapping:
    """:func:`~.parsing.parse_mapping` of ``text``, read from the cache when it holds it, else parsed and
    stored there."""
    directory = cache_directory()
    if directory is None:
        return parse_mapping(text, name)
    path = _entry_path(directory, text)
    found = _read_entry(path, text, name)
    if found is None:
        found = parse_mapping(text, name)
        _write_entry(path, found)
    return found


def cache_directory() -> str | None:
    """The cache's directory from the setting (None: no cache)."""
    from .. import settings

    value = settings.get(PARSE_CACHE)
    if value is False or value == "" or (isinstance(value, str) and value.lower() in ("false", "off", "no")):
        return None
    if value is None or value is True:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        return os.path.join(base, "crds-batch", "parsed")
    return os.path.expanduser(str(value))


def _entry_path(directory: str, text: str) -> str:
    digest = hashlib.sha1(_parser_digest().encode("ascii"))
    digest.update(text.encode("utf-8", "surrogatepass"))
    key = digest.hexdigest()
    return os.path.join(directory, key[:2], key + ".json")


@lru_cache(maxsize=1)
def _parser_digest() -> str:
    """The entry format and the sha1 of the parser's source: another parser, other entries."""
    from . import parsing

    digest = hashlib.sha1(_FORMAT.encode("ascii"))
    try:
        with open(parsing.__file__, "rb") as handle:
            digest.update(handle.read())
    except OSError:  # no source beside the module: the package's version stands for it
        from importlib.metadata import version

        digest.update(version("crds-batch").encode("utf-8"))
    return digest.hexdigest()


def _read_entry(path: str, text: str, name: str) -> ParsedMapping | None:
    try:
        with open(path, encoding="utf-8") as handle:
            entry = json.load(handle)
        if not isinstance(entry, list) or len(entry) != 3:
            return None
        header, selector, comment = (_decoded(part) for part in entry)
    except (OSError, ValueError, TypeError, KeyError, IndexError, RecursionError):
        return None  # not there, or not an entry this code wrote: parsed again
    if not isinstance(header, dict) or not isinstance(selector, (dict, SelectorCall)):
        return None
    if comment is not None and not isinstance(comment, str):
        return None
    return ParsedMapping(name=name, header=header, selector=selector, comment=comment, text=text)


def _write_entry(path: str, parsed: ParsedMapping) -> None:
    """Store ``parsed`` at ``path`` (temp file, then rename); nothing when the directory cannot be written.

    Not fsynced: an entry left incomplete by a crash of the machine does not decode and is parsed again.
    """
    directory = os.path.dirname(path)
    try:
        data = json.dumps([_encoded(parsed.header), _encoded(parsed.selector), parsed.comment],
                          ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        os.makedirs(directory, mode=0o700, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=directory, prefix=".parsed-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temp, path)
        except BaseException:
            try:
                os.unlink(temp)
            except OSError:
                pass
            raise
    except (OSError, ValueError, TypeError):  # unwritable, or a value JSON cannot hold: not kept
        return  # a cache only: the parse is returned all the same


# Values are JSON scalars (str, int, float, bool, None) or lists whose first item says what they are.
_TUPLE, _LIST, _DICT, _SELECTOR = "t", "l", "d", "s"


def _encoded(value: Any) -> Any:
    kind = type(value)
    if kind is SelectorCall:
        return [_SELECTOR, value.name, [[_encoded(k), _encoded(v)] for k, v in value.table],
                [_encoded(arg) for arg in value.args], value.lineno]
    if kind is tuple:
        return [_TUPLE, *map(_encoded, value)]
    if kind is list:
        return [_LIST, *map(_encoded, value)]
    if kind is dict:
        return [_DICT, *([_encoded(k), _encoded(v)] for k, v in value.items())]
    if kind in (str, int, float, bool) or value is None:
        return value
    raise TypeError(f"a parsed mapping holds no {kind.__name__}")


def _decoded(value: Any) -> Any:
    kind = type(value)
    if kind is list:
        tag = value[0]
        if tag == _TUPLE:
            return tuple(_decoded(item) for item in value[1:])
        if tag == _DICT:
            return {_decoded(key): _decoded(item) for key, item in value[1:]}
        if tag == _SELECTOR:
            _tag, name, table, args, lineno = value
            if name not in SELECTOR_NAMES or type(lineno) is not int:
                raise ValueError(f"not a selector: {name!r}")
            return SelectorCall(name, tuple((_decoded(key), _decoded(item)) for key, item in table),
                                tuple(_decoded(arg) for arg in args), lineno)
        if tag == _LIST:
            return [_decoded(item) for item in value[1:]]
        raise ValueError(f"unknown tag {tag!r}")
    if kind in (str, int, float, bool) or value is None:
        return value
    raise TypeError(f"{kind.__name__} in an entry")
