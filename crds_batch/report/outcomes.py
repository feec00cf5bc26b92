"""What the report's colours mean: one colour per outcome, the same on every chart and card.

Okabe-Ito colours (distinguishable with the common colour-vision deficiencies).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """One outcome a dataset (or a dataset's reference type) can have, and its colour."""

    key: str  # the tally's outcome value and the bars' id stem
    colour: str
    meaning: str  # said once in the page's colour key


#: The dataset gets a reference different from the old one (old context, or the recorded reference).
CHANGED = Outcome("affected", "#0072B2", "gets a different reference")
#: A lookup failed (crds bestrefs counts it as an error).
FAILED = Outcome("failed", "#D55E00", "a lookup failed")

OUTCOMES = (CHANGED, FAILED)


#: The jobs a report can describe, by where the "old" references come from.
AFFECTED = "affected"  # two contexts
RECORDED = "recorded"  # a context checked against the references recorded in the datasets
CHECK = "check"  # a context checked alone: failures only


def job_kind(result) -> str:
    """AFFECTED, RECORDED or CHECK for an AffectedResult or CheckResult."""
    return {"context": AFFECTED, "recorded": RECORDED}.get(result.plan.old_source, CHECK)


def shown_outcomes(kind: str) -> tuple[Outcome, ...]:
    """The outcomes a job can have (a check alone changes nothing)."""
    return OUTCOMES if kind != CHECK else (FAILED,)


def outcome_label(outcome: Outcome, kind: str) -> str:
    """Legend text of ``outcome`` in a report of ``kind``."""
    if outcome is FAILED:
        return "failed (a lookup failed)"
    return "affected (new reference)" if kind == AFFECTED else "differs from the recorded reference"
