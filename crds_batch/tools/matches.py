"""``crds matches``: the match cases leading to a reference in a context, and datasets' matching parameters.

A *match path* is crds's ``file_matches`` value: ``((('observatory', 'hst'),
('instrument', 'wfc3'), ('filekind', 'darkfile')), (('DETECTOR', 'UVIS'), ...),
(('DATE-OBS', '2019-05-13'), ('TIME-OBS', '05:05:08')))`` -- the rmap's
properties, then one section per selector level with the key's values as
strings. Only leaves equal to the reference name count (as crds).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..rules.parsing import SelectorCall
from .contexts import closure
from .mapping_tree import is_special, load_parsed


@dataclass(frozen=True)
class MatchFormat:
    brief_paths: bool = False  #: -b: no observatory/instrument/type prefix
    omit_parameter_names: bool = False  #: -o
    tuple_format: bool = False  #: -t


def match_paths(context: str, reference: str) -> list[tuple]:
    """Sorted match paths of ``reference`` under mapping ``context`` (a pmap, imap or rmap)."""
    parsed = load_parsed(context)
    if not isinstance(parsed.selector, SelectorCall):
        return sorted(path for child in parsed.selector.values() if not is_special(child)
                      for path in match_paths(child, reference))
    header = parsed.header
    prefix = (("observatory", str(header.get("observatory", "")).lower()),
              ("instrument", str(header.get("instrument", "")).lower()),
              ("filekind", str(header.get("filekind", "")).lower()))
    return sorted(_selector_paths(parsed.selector, reference, header.get("parkey", ()), 0, (prefix,)))


def _selector_paths(selector: SelectorCall, reference: str, parkey, level: int, sofar: tuple):
    parameters = tuple(parkey[level]) if level < len(parkey) else ()
    for key, value in selector.table:
        here = sofar + (match_item(selector.name, parameters, key),)
        if isinstance(value, SelectorCall):
            yield from _selector_paths(value, reference, parkey, level + 1, here)
        elif value == reference:
            yield here


def match_item(selector_name: str, parameters: tuple, key) -> tuple:
    """crds's ``match_item``: ``((parameter, value), ...)`` of one selector key, UseAfter-like date keys split
    (one parameter: the key whole). Match paths and difference tuples are both made of these."""
    if selector_name in ("UseAfter", "ClosestTime", "VersionAfter", "SelectVersion"):
        if len(parameters) == 1:
            return ((parameters[0], key),)
        splitter = None if selector_name in ("UseAfter", "ClosestTime") else "."
        return tuple(zip(parameters, str(key).split(splitter)))
    values = key if isinstance(key, tuple) else (key,)
    return tuple(zip(parameters, [str(value) for value in values]))


def format_match(path: tuple, fmt: MatchFormat):
    """One match path as crds matches prints it (a string, or a tuple with -t)."""
    items = [item for section in path[1:] for item in section]
    if fmt.tuple_format:
        shown = tuple(item[1] if fmt.omit_parameter_names else item for item in items)
        if fmt.brief_paths:
            return shown
        return tuple(tuple(part.upper() for part in item) for item in path[0]) + shown
    prefix = "" if fmt.brief_paths else " ".join(value.upper() for _name, value in path[0][1:])
    shown = [repr(value) if fmt.omit_parameter_names else f"{name}={value!r}" for name, value in items]
    return prefix + " " + " ".join(shown)


def reference_match_lines(contexts: list[str], references: Iterable[str], fmt: MatchFormat = MatchFormat(),
                          filters: Mapping[str, str] | None = None) -> list[str]:
    """``crds matches --contexts ... --files ...`` lines: per context, per reference, each match."""
    lines = []
    for context in contexts:
        shown_context = context if len(contexts) > 1 else ""
        for reference in references:
            for path in match_paths(context, reference):
                if filters and _filtered(path, filters):
                    continue
                lines.append(" ".join(str(part) for part in (shown_context, reference, ":", format_match(path, fmt))))
    return lines


def _filtered(path: tuple, filters: Mapping[str, str]) -> bool:
    """crds's --filters: a path is dropped when a parameter it names does not allow the value."""
    for key, value in filters.items():
        for section in path[1:]:
            for name, allowed in section:
                if name.upper() == key.upper() and value.upper() not in allowed.upper().split("|"):
                    return True
    return False


def context_references(contexts: list[str]) -> list[str]:
    """--files-from-contexts: every reference the contexts name."""
    return closure(contexts).references


def dataset_match_lines(contexts: list[str], headers_by_context: Mapping[str, Mapping[str, Mapping[str, str]]],
                        condition: bool = False, minimize: bool = False) -> list[str]:
    """``crds matches --datasets`` lines: ``ID : PAR='value' ...`` (``ID : CONTEXT : ...`` for several contexts).

    ``headers_by_context``: ``{context: {dataset_id: parameters}}``.
    """
    from ..rules.conditioning import condition_header
    from ..rules.loading import load_context
    from ..rules.lookup import fits_to_parkeys
    from ..rules.lookup import minimize as minimized

    by_dataset: dict[str, list[tuple[str, Mapping[str, str]]]] = {}
    for context in contexts:
        for dataset_id, header in headers_by_context.get(context, {}).items():
            by_dataset.setdefault(dataset_id, []).append((context, header))
    lines = []
    for dataset_id, entries in by_dataset.items():
        for context, header in entries:
            header = dict(header)
            if condition:
                header = condition_header(header)
            if minimize:
                pmap = load_context(context)
                header = fits_to_parkeys(pmap.observatory, header)
                imap = pmap.get_imap(pmap.instrument_of(header))
                header = minimized(header, imap.required_parkeys() + [pmap.instrument_key])
            text = " ".join(f"{key}={str(value)!r}" for key, value in sorted(header.items()))
            lines.append(f"{dataset_id} : {text}" if len(contexts) == 1 else f"{dataset_id} : {context} : {text}")
    return lines


def store_headers(params: list[str], dataset_ids: list[str]) -> dict[str, dict[str, str]]:
    """``{dataset_id: parameters}`` of ``dataset_ids`` (HST product ids expand) from a store or saves."""
    from ..store import open_params, parse_ids
    from ..store import schema as S

    with open_params(params) as store:
        frame = store.scan(only_ids=parse_ids(dataset_ids), as_pandas=True)
    names = [name for name in frame.columns if S.is_parameter(name)]
    headers = {}
    for dataset_id, values in zip(frame[S.DATASET_ID].tolist(), frame[names].itertuples(index=False, name=None)):
        headers[dataset_id] = {name: value for name, value in zip(names, values) if isinstance(value, str)}
    return headers
