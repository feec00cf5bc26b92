"""Immutable mapping objects: PipelineContext (.pmap) -> InstrumentContext (.imap) -> ReferenceMapping (.rmap).

Contexts hold the *names* of their sub-mappings and load them lazily through
:mod:`.loading` (each file once per process).  Header string values are read
the crds way: lower-cased unless wrapped in parentheses (see :func:`header_text`).
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Callable

from ..observatories import get_observatory
from .errors import MissingHeaderKeyError, UnknownInstrumentError
from .expressions import Expression, compile_expression, source_with_evalable_names
from .hooks import Hook, find_hook
from .parsing import ParsedMapping, SelectorCall
from .selectors import RmapSettings, Selector, build_selector

log = logging.getLogger(__name__)

#: Terminal or imap values meaning "not applicable" / "omit this type".
NA_VALUES = frozenset({"N/A", "TEMP_N/A", "n/a", "temp_n/a"})
OMIT_VALUES = frozenset({"OMIT", "TEMP_OMIT", "omit", "temp_n/a"})
SPECIAL_VALUES = NA_VALUES | OMIT_VALUES

_REQUIRED = {
    "pipeline": ("mapping", "parkey", "name", "derived_from", "observatory"),
    "instrument": ("mapping", "parkey", "name", "derived_from", "observatory", "instrument"),
    "reference": ("mapping", "parkey", "name", "derived_from", "observatory", "instrument", "filekind"),
}

#: Extra keywords crds scans (after the pmap's own) to find a dataset's instrument.
INSTRUMENT_KEYWORDS = ("INSTRUME", "META.INSTRUMENT.NAME", "META_INSTRUMENT_NAME", "INSTRUMENT",
                       "ROMAN.META.INSTRUMENT.NAME", "META.INSTRUMENT.TYPE", "META_INSTRUMENT_TYPE")


#: crds's only instrument alias when picking an imap (unlike header fixers, HST -> SYNPHOT is not applied).
_IMAP_ALIASES = {"wfii": "wfpc2"}


def header_text(header: Mapping, key: str, default: Any = None) -> Any:
    """A header value as crds's LowerCaseDict returns it: strings lower-cased unless ``(...)``."""
    if key not in header:
        return default
    value = header[key]
    if isinstance(value, str) and not (value.startswith("(") and value.endswith(")")):
        return value.lower()
    return value


def is_special(value: Any) -> bool:
    return isinstance(value, str) and value in SPECIAL_VALUES


class Mapping_:
    """Fields common to every mapping."""

    kind = ""

    def __init__(self, parsed: ParsedMapping, path: str):
        self.path = path
        self.basename = parsed.name.rsplit("/", 1)[-1]
        self.raw_header = dict(parsed.header)
        for key in _REQUIRED[self.kind]:
            if key not in self.raw_header:
                raise MissingHeaderKeyError(f"{self.basename}: Required header key {key!r} is missing.")
        self.name = self.basename
        self.observatory = header_text(self.raw_header, "observatory")
        self._check_header_shape()
        self.parkey = self.raw_header["parkey"]
        self.extra_keys = tuple(self.raw_header.get("extra_keys", ()))

    def _check_header_shape(self) -> None:
        """Refuse header values crds refuses (check_observatory/check_instrument/check_filekind)."""
        from ..errors import MappingFormatError
        from ..observatories.tables import OBSERVATORIES

        header = self.raw_header
        if not isinstance(self.observatory, str) or self.observatory not in OBSERVATORIES:
            raise MappingFormatError(f"{self.basename}: invalid observatory {header['observatory']!r}")
        if self.kind in ("instrument", "reference"):
            instrument = header_text(header, "instrument")
            known = OBSERVATORIES[self.observatory].instruments + ("all",)
            if not isinstance(instrument, str) or instrument not in known:
                raise MappingFormatError(f"{self.basename}: invalid instrument {header['instrument']!r}")
        if self.kind == "reference":
            filekind = header["filekind"]
            if not isinstance(filekind, str) or not filekind.strip():
                raise MappingFormatError(f"{self.basename}: invalid filekind {filekind!r}")
        if not isinstance(header["parkey"], (tuple, list)):
            raise MappingFormatError(f"{self.basename}: invalid parkey {header['parkey']!r}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.basename!r})"

    def __reduce__(self):
        # Pickle by name: a worker reloads the file from its own cache (once per process).
        from .loading import load_mapping

        return (load_mapping, (self.path,))


class ContextMapping(Mapping_):
    """A .pmap or .imap: key -> sub-mapping name (or a special value)."""

    #: What the selector's values name (a pmap names imaps, an imap names rmaps).
    child_suffix = ""

    def __init__(self, parsed: ParsedMapping, path: str, loader: Callable[[str], Any]):
        super().__init__(parsed, path)
        from ..errors import MappingFormatError

        if not isinstance(parsed.selector, dict):
            raise MappingFormatError(f"{self.basename}: a {self.kind} mapping's selector must be a dict")
        self.selections: dict[str, str] = {str(k).lower(): v for k, v in parsed.selector.items()}
        for key, value in self.selections.items():
            if not is_special(value) and not (isinstance(value, str) and value.lower().endswith(self.child_suffix)):
                raise MappingFormatError(f"{self.basename}: selector[{key!r}] = {value!r} is not "
                                         f"a {self.child_suffix} name, N/A or OMIT")
        self._loader = loader
        self._loaded: dict[str, Any] = {}

    def child(self, key: str) -> Any:
        """The loaded sub-mapping for ``key`` (lower case); special values come back as strings."""
        value = self.selections[key]
        if is_special(value):
            return value
        loaded = self._loaded.get(key)
        if loaded is None:
            loaded = self._loader(value)
            self._check_child(key, loaded)
            self._loaded[key] = loaded
        return loaded

    def _check_child(self, key: str, child: Any) -> None:
        """The child must be the next kind down, of this observatory (crds's _check_nested)."""
        from ..errors import MappingFormatError

        if not child.basename.lower().endswith(self.child_suffix) or child.observatory != self.observatory:
            raise MappingFormatError(f"{self.basename}: selector[{key!r}] = {child.basename!r} is not "
                                     f"a {self.observatory} {self.child_suffix} mapping")

    def normal_children(self) -> list[Any]:
        return [self.child(key) for key, value in self.selections.items() if not is_special(value)]

    def mapping_names(self) -> list[str]:
        """This mapping and every mapping below it (loads them all; computed once)."""
        names = self.__dict__.get("_mapping_names")
        if names is None:
            names = [self.basename]
            for child in self.normal_children():
                names.extend(child.mapping_names())
            names = self.__dict__["_mapping_names"] = sorted(names)
        return list(names)

    def reference_names(self) -> list[str]:
        names: set[str] = set()
        for child in self.normal_children():
            names.update(child.reference_names())
        return sorted(names)


class PipelineContext(ContextMapping):
    """A .pmap: instrument -> .imap."""

    kind = "pipeline"
    child_suffix = ".imap"

    def __init__(self, parsed, path, loader):
        super().__init__(parsed, path, loader)
        self.instrument_key = self.parkey[0].upper()

    def instrument_of(self, header: Mapping[str, str]) -> str:
        """The instrument named by a (conditioned) header, as crds finds it."""
        for key in (self.instrument_key.upper(), self.instrument_key.lower()) + INSTRUMENT_KEYWORDS:
            if key in header and header[key].upper() != "UNDEFINED":
                return header[key].upper()
        raise UnknownInstrumentError(f"Missing {self.instrument_key!r} keyword in header for determining instrument.")

    def get_imap(self, instrument: str) -> InstrumentContext:
        key = instrument.lower()
        key = _IMAP_ALIASES.get(key, key)
        if key not in self.selections:
            raise UnknownInstrumentError(f"Unknown instrument {key!r} for context {self.basename!r}")
        return self.child(key)

    @property
    def instruments(self) -> list[str]:
        return list(self.selections)


class InstrumentContext(ContextMapping):
    """An .imap: filekind -> .rmap, ``N/A`` or ``OMIT``."""

    kind = "instrument"
    child_suffix = ".rmap"

    def __init__(self, parsed, path, loader):
        super().__init__(parsed, path, loader)
        self.instrument = header_text(self.raw_header, "instrument")
        self._required: list[str] | None = None

    @property
    def filekinds(self) -> list[str]:
        return list(self.selections)

    def required_parkeys(self) -> list[str]:
        """Every dataset keyword any of the instrument's rmaps reads (loads them all), sorted."""
        if self._required is None:
            keys = set(self.parkey) | set(self.extra_keys)
            for rmap in self.normal_children():
                keys |= set(rmap.required_parkeys)
            self._required = sorted(keys)
        return self._required


class ReferenceMapping(Mapping_):
    """An .rmap: the selector tree of one type plus its header rules (expressions, hooks...)."""

    kind = "reference"

    def __init__(self, parsed: ParsedMapping, path: str):
        super().__init__(parsed, path)
        header = self.raw_header
        self.instrument = header_text(header, "instrument")
        self.filekind = header_text(header, "filekind")
        self.reffile_switch = str(header_text(header, "reffile_switch", "NONE")).upper()
        self.reffile_required = str(header_text(header, "reffile_required", "NONE")).upper()
        self.required_parkeys = self._required_parkeys()
        if not isinstance(parsed.selector, SelectorCall):
            from ..errors import MappingFormatError

            raise MappingFormatError(f"{self.basename}: an rmap's selector must be a selector call")
        settings = RmapSettings(
            header_text(header, "name"), header.get("substitutions"), header_text(header, "merge_overlaps"))
        settings.name = self.basename
        self.selector: Selector = build_selector(parsed.selector, tuple(self.parkey), settings)
        self.rmap_relevance = self._expression(
            str(header_text(header, "rmap_relevance", "always")).replace("always", "True"))
        self.rmap_omit = self._expression(str(header_text(header, "rmap_omit", "False")))
        relevance = dict(header.get("parkey_relevance", {}) or {})
        for name in header.get("comment_parkeys", ()):
            relevance[str(name).lower()] = "keep_comments"
        self.parkey_relevance: dict[str, Expression] = {
            str(name).lower(): self._expression(expr) for name, expr in relevance.items()}
        hooks = header.get("hooks")
        self.precondition: Hook | None = find_hook(
            self.observatory, self.instrument, self.filekind, "precondition_header", hooks)
        self.fallback: Hook | None = find_hook(
            self.observatory, self.instrument, self.filekind, "fallback_header", hooks)

    def _required_parkeys(self) -> list[str]:
        keys: list[str] = []
        for level in self.parkey:
            if isinstance(level, tuple):
                keys.extend(level)
            else:
                keys.append(level)
        if self.reffile_switch != "NONE":
            keys.append(self.reffile_switch)
        keys.extend(self.extra_keys)
        keys.extend(get_observatory(self.observatory).extra_header_keys)
        return keys

    def _expression(self, source: str) -> Expression:
        return compile_expression(source_with_evalable_names(source, self.required_parkeys), self.basename)

    def mapping_names(self) -> list[str]:
        return [self.basename]

    def reference_names(self) -> list[str]:
        return sorted(name for name in self.selector.terminal_values() if not is_special(name))
