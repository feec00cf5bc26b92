"""``crds-batch explain``: why a dataset gets the references it gets, and why that changed.

The answer of each type is the scalar lookup's (:func:`crds_batch.rules.lookup.type_reference`)
run under :func:`crds_batch.rules.trace.recording`: the steps shown are the
decisions that lookup took, not a second account of selection.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import CrdsBatchError
from ..rules import trace
from ..rules.lookup import clean_parameters, minimize, rmap_reference, prepare_header, type_reference
from ..rules.conditioning import condition_header
from ..rules.mappings import InstrumentContext, PipelineContext, ReferenceMapping

#: Steps whose facts say nothing when the rmap has no such expression.
_TRIVIAL_EXPRESSIONS = {"rmap_omit": "False", "rmap_relevance": "True"}


class ExplainError(CrdsBatchError):
    """The dataset or types to explain cannot be found."""


@dataclass(frozen=True)
class TypeExplanation:
    """One reference type: the answer and the lookup's steps."""

    filekind: str
    result: Any  # a file name, tuple of names, "NOT FOUND ...", or "OMIT"
    steps: tuple[trace.Step, ...]

    @property
    def rmap(self) -> str | None:
        """The rmap the imap named for this type (None for an imap-level N/A or OMIT)."""
        for step in self.steps:
            if step.kind == "imap":
                entry = step.facts["entry"]
                return entry if isinstance(entry, str) and entry.endswith(".rmap") else None
            if step.kind == "rmap":
                return step.facts["rmap"]
        return None


@dataclass(frozen=True)
class Explanation:
    """Every explained type of one dataset under one context."""

    context: str
    mapping: str  # the imap (or rmap) the dataset's instrument led to
    types: tuple[TypeExplanation, ...]

    def by_type(self) -> dict[str, TypeExplanation]:
        return {item.filekind: item for item in self.types}


def explain(context: PipelineContext | InstrumentContext | ReferenceMapping, parameters: Mapping[str, Any],
            types: Iterable[str] | None = None) -> Explanation:
    """Look up ``parameters`` under ``context`` type by type, recording each lookup's steps."""
    wanted = [name.lower() for name in types or ()]
    if isinstance(context, ReferenceMapping):
        header = minimize(condition_header(clean_parameters(parameters, context.observatory)),
                          context.required_parkeys)
        with trace.recording() as steps:
            trace.note("rmap", filekind=context.filekind, rmap=context.basename)
            value = rmap_reference(context, header)
        item = TypeExplanation(context.filekind, "OMIT" if value is None else value, tuple(steps))
        return Explanation(context.basename, context.basename, (item,))
    imap, header = prepare_header(context, parameters)
    unknown = [name for name in wanted if name not in imap.selections]
    if unknown:
        raise ExplainError(f"{imap.basename} has no reference type {', '.join(unknown)}")
    items = []
    for filekind in wanted or imap.filekinds:
        with trace.recording() as steps:
            value = type_reference(imap, filekind, header)
        items.append(TypeExplanation(filekind, "OMIT" if value is None else value, tuple(steps)))
    return Explanation(context.basename, imap.basename, tuple(items))


# ------------------------------------------------------------------ why it changed

@dataclass(frozen=True)
class Change:
    """One type whose answer differs between two contexts, and the first decision that differs."""

    filekind: str
    old: TypeExplanation | None
    new: TypeExplanation | None
    old_step: trace.Step | None
    new_step: trace.Step | None


def changes(old: Explanation, new: Explanation) -> list[Change]:
    """The types whose answers differ, each with the first pair of lookup steps that differ."""
    olds, news = old.by_type(), new.by_type()
    found = []
    for filekind in sorted(set(olds) | set(news)):
        before, after = olds.get(filekind), news.get(filekind)
        if before is not None and after is not None and before.result == after.result:
            continue
        old_step, new_step = _first_difference(before.steps if before else (), after.steps if after else ())
        found.append(Change(filekind, before, after, old_step, new_step))
    return found


def _first_difference(old: Sequence[trace.Step], new: Sequence[trace.Step]):
    for index in range(max(len(old), len(new))):
        a = old[index] if index < len(old) else None
        b = new[index] if index < len(new) else None
        if _comparable(a) != _comparable(b):
            return a, b
    return None, None


def _comparable(step: trace.Step | None):
    """A step without the names of the mappings (a renamed rmap with equal rules decides nothing)."""
    if step is None:
        return None
    facts = {key: value for key, value in step.facts.items() if key not in ("imap", "rmap", "entry")}
    return step.kind, step.depth, repr(sorted(facts.items()))


# ------------------------------------------------------------------ rendering

def render(explanation: Explanation) -> list[str]:
    """Text lines: per type, ``type = result`` then its steps indented by selector depth."""
    lines = [f"context {explanation.context} -> {explanation.mapping}"]
    for item in explanation.types:
        lines.append(f"{item.filekind} = {format_value(item.result)}")
        lines.extend(render_steps(item.steps, indent=2))
    return lines


def render_changes(old: Explanation, new: Explanation) -> list[str]:
    """Text lines naming each changed type, the old and new answers and the first differing decision."""
    found = changes(old, new)
    lines = [f"changes {old.context} -> {new.context}: {len(found)} type(s)"]
    for change in found:
        before = format_value(change.old.result) if change.old else "(no such type)"
        after = format_value(change.new.result) if change.new else "(no such type)"
        lines.append(f"{change.filekind}: {before} -> {after}")
        old_rmap = change.old.rmap if change.old else None
        new_rmap = change.new.rmap if change.new else None
        if old_rmap != new_rmap:
            lines.append(f"  rules: {old_rmap} -> {new_rmap}")
        lines.append("  why: " + reason(change.old_step, change.new_step))
        lines.append("  first difference:")
        for label, step in (("old", change.old_step), ("new", change.new_step)):
            text = describe_step(step) if step is not None else "(no further step)"
            lines.append(f"    {label}: {text}")
    return lines


def reason(old: trace.Step | None, new: trace.Step | None) -> str:
    """The first differing decision in words."""
    if old is None or new is None:
        return "the type is new in the new context" if old is None else "the type is gone from the new context"
    if old.kind != new.kind:
        return f"the lookup took another path ({old.kind} -> {new.kind})"
    if old.kind == "imap":
        return f"the imap's entry changed: {format_value(old.facts['entry'])} -> {format_value(new.facts['entry'])}"
    if old.kind in _TRIVIAL_EXPRESSIONS:
        return f"{old.kind} changed: {old.facts['expression']!r} -> {new.facts['expression']!r}"
    if old.kind == "candidate":
        old_key, new_key = _candidate_key(old.facts), _candidate_key(new.facts)
        if old_key == new_key:
            return f"the same selection {format_value(old_key)} now gives another choice"
        return f"another selection won: {format_value(old_key)} -> {format_value(new_key)}"
    if old.kind in ("selector", "match"):
        return f"the {old.kind} step differs (keys, parameters or their values changed)"
    return f"the {old.kind} step differs"


def _candidate_key(facts: Mapping[str, Any]) -> Any:
    return tuple(key["key"] for key in facts["keys"]) if "keys" in facts else facts["key"]


def render_steps(steps: Sequence[trace.Step], indent: int = 0) -> list[str]:
    lines = []
    for step in steps:
        text = describe_step(step)
        if text:
            lines.append(" " * (indent + 2 * step.depth) + text)
    return lines


def describe_step(step: trace.Step) -> str:
    """One step as one line of text ('' for steps that decided nothing)."""
    facts = step.facts
    kind = step.kind
    if kind == "imap":
        entry = facts["entry"]
        return (f"{facts['imap']}: {facts['filekind']} -> {format_value(entry)}"
                + ("" if str(entry).endswith(".rmap") else " (set in the imap)"))
    if kind == "rmap":
        return f"rmap {facts['rmap']}"
    if kind in _TRIVIAL_EXPRESSIONS:
        if facts["expression"] == _TRIVIAL_EXPRESSIONS[kind]:
            return ""
        verdict = {("rmap_omit", True): "OMIT", ("rmap_omit", False): "not omitted",
                   ("rmap_relevance", True): "relevant", ("rmap_relevance", False): "N/A"}[kind, facts["value"]]
        return f"{kind} {facts['expression']!r} -> {facts['value']}: {verdict}"
    if kind == "precondition":
        return "header hook: " + (_changes(facts["changes"]) or "no change")
    if kind == "fallback":
        return "fallback hook, second try with: " + (_changes(facts["changes"]) or "no change")
    if kind == "parkey_relevance":
        return f"{facts['parameter']} = N/A (parkey_relevance {facts['expression']!r} is false)"
    if kind == "selector":
        values = ", ".join(f"{name}={value!r}" for name, value in facts["values"].items())
        lookup = f" -> {format_value(facts['lookup'])}" if facts["lookup"] is not None else ""
        return f"{facts['selector']} over {facts['nkeys']} key(s) on {values}{lookup}"
    if kind == "match":
        survivors = facts["survivors"]
        weights = sorted({weight for _, weight in survivors})
        return (f"{len(survivors)} of {facts['nkeys']} key(s) match; weights (lower wins) "
                + (", ".join(str(weight) for weight in weights) or "none"))
    if kind == "candidate":
        return _describe_candidate(facts)
    if kind == "candidate_failed":
        return f"failed: {facts['error']}; trying the next candidate"
    if kind == "lookup_failed":
        return f"no selection: {facts['error']}"
    if kind == "dnr":
        return "dataset is Do-Not-Reprocess: type not required (N/A)"
    if kind == "result":
        return f"=> {format_value(facts['value'])}"
    return f"{kind} {facts}"


def _describe_candidate(facts: Mapping[str, Any]) -> str:
    if "keys" in facts:  # Match
        parts = []
        for key in facts["keys"]:
            loose = [parameter for parameter, _, _, status in key["fields"] if status == 0]
            parts.append(f"{key['key']!r}" + (f" (don't care: {', '.join(loose)})" if loose else ""))
        exact = -facts["weight"]
        tied = f", merged from {len(parts)} tied keys" if facts["merged"] else ""
        return (f"won with weight {facts['weight']} ({exact} exact field(s){tied}): " + "; ".join(parts)
                + f" -> {format_value(facts['choice'])}")
    text = f"chose {format_value(facts['key'])} -> {format_value(facts['choice'])}"
    if "next" in facts:
        text += (f" (latest of {facts['earlier'] + 1} date(s) not after the dataset's"
                 + (f"; next {format_value(facts['next'])} is later)" if facts["next"] is not None else "; it is the last)"))
    if "seconds_away" in facts:
        text += f" ({facts['seconds_away']:g} s away, the closest)"
    if "distance" in facts:
        text += f" (distance {facts['distance']:g}, the nearest)"
    return text


_MATCH_STATUS = {1: "match", 0: "don't care", -1: "no match"}


def _changes(changes: Mapping[str, tuple[Any, Any]]) -> str:
    return ", ".join(f"{key}: {before!r} -> {after!r}" for key, (before, after) in changes.items())


def format_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, tuple) and all(isinstance(part, str) for part in value):
        return "(" + ", ".join(value) + ")"
    return repr(value)


def as_json(new: Explanation, old: Explanation | None = None) -> dict:
    """The explanation(s) as plain JSON values (tuples become lists)."""
    def one(explanation: Explanation) -> dict:
        return {"context": explanation.context, "mapping": explanation.mapping,
                "types": [{"type": item.filekind, "result": item.result, "rmap": item.rmap,
                           "steps": [{"kind": step.kind, "depth": step.depth, **step.facts} for step in item.steps]}
                          for item in explanation.types]}

    result = one(new)
    if old is not None:
        result["old"] = one(old)
        result["changes"] = [{"type": change.filekind,
                              "old": change.old.result if change.old else None,
                              "new": change.new.result if change.new else None,
                              "why": reason(change.old_step, change.new_step)} for change in changes(old, new)]
    return result


# ------------------------------------------------------------------ inputs

def dataset_parameters(store, dataset_id: str) -> dict[str, Any]:
    """The parameters of one dataset of ``store``: the id as stored (a file dataset keeps its file name),
    else as crds normalizes it (upper case; a bare ``X`` means ``X:X``)."""
    import pyarrow.dataset as ds

    from ..store import normalize_id
    from ..store import schema as S

    wanted = [dataset_id, normalize_id(dataset_id)]
    table = store.dataset().to_table(filter=ds.field(S.DATASET_ID).isin(wanted)) if store.files() else None
    if table is None or table.num_rows == 0:
        raise ExplainError(f"dataset {wanted[1]} is not in the parameter store")
    rows = {row[S.DATASET_ID]: row for row in table.to_pylist()}
    row = rows.get(dataset_id) or rows[wanted[1]]
    return {name: value for name, value in row.items() if S.is_parameter(name) and value is not None}


def read_inputs(header_file: str | None = None, dataset_id: str | None = None,
                params: Sequence[str] = ()) -> dict[str, Any]:
    """The parameters of a dataset file's header, or of one dataset of a parameter store."""
    if header_file:
        from ..files.headers import read_parameters

        return read_parameters(header_file).parameters
    from ..store import open_params

    with open_params(list(params)) as store:
        return dataset_parameters(store, dataset_id or "")


def explain_request(context: str, *, old_context: str | None = None, header_file: str | None = None,
                    dataset_id: str | None = None, params: Sequence[str] = (),
                    types: Sequence[str] = (), json_output: bool = False) -> list[str]:
    """The text ``crds-batch explain`` prints (one JSON document with ``json_output``)."""
    from ..rules.loading import load_context

    parameters = read_inputs(header_file, dataset_id, params)
    new = explain(load_context(context), parameters, types)
    old = explain(load_context(old_context), parameters, types) if old_context else None
    if json_output:
        import json

        return [json.dumps(as_json(new, old), indent=1, default=str)]
    lines = render(new)
    if old is not None:
        lines.append("")
        lines.extend(render_changes(old, new))
    return lines
