"""Exceptions raised while choosing references, named after the CRDS ones.

Their ``str()`` is exactly the text crds puts after ``"NOT FOUND "``, so that
a failed lookup renders identically.  Only *lookup* errors let a Match try
its next weight group; every other error aborts the type at once.
"""
from __future__ import annotations

from ..errors import MappingError


def _join(args: tuple) -> str:
    return " ".join(str(arg) for arg in args)


class RuleError(Exception):
    """Base of errors raised while applying rules to one dataset (message joins args with spaces)."""

    def __init__(self, *args: object):
        super().__init__(_join(args))


class LookupFailure(RuleError, LookupError):
    """No choice at this level; a Match may try its next candidate group."""


class MatchingError(LookupFailure):
    """A Match selector found no candidate (``No match found.``)."""


class UseAfterError(LookupFailure):
    """Every UseAfter date is later than the dataset's."""


class VersionAfterError(LookupFailure):
    """Every VersionAfter version is later than the dataset's."""


class ValidationError(RuleError):
    """A dataset value is not acceptable to a selector; aborts the lookup."""


class InvalidDatetimeError(RuleError):
    """A date parameter is UNDEFINED or unparseable."""


class AmbiguousMatchError(RuleError):
    """Equal-weight matches that cannot be merged."""


class IrrelevantType(LookupError):
    """The type is Not Applicable for this dataset (``NOT FOUND n/a``)."""


class OmitType(LookupError):
    """The type is omitted from the results for this dataset."""


class UnknownInstrumentError(RuleError):
    """The context has no instrument mapping for the dataset's instrument."""


class MissingHeaderKeyError(MappingError):
    """A mapping header lacks a required key (mapping, parkey, name...)."""


class DuplicateKeyError(MappingError):
    """Two selector keys become equal once conditioned."""


class ExpressionError(MappingError):
    """An rmap header expression holds something other than a simple predicate."""


class SelectorStructureError(MappingError):
    """A selector's keys or nesting do not fit its parkey levels."""
