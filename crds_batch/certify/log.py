"""Messages of a certify run, printed in crds's log format and counted.

``crds certify`` prints ``CRDS - ERROR -  <text>`` (two spaces after the
level) and ends with ``N errors``, ``N warnings`` and ``N infos`` lines;
scripts grep these, so :class:`CertifyLog` prints the same shapes. Errors
are also kept per file and per unique class for ``--dump-unique-errors``.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TextIO

#: crds prints its verbose messages at level DEBUG.
SHOWN_LEVEL = {"VERBOSE": "DEBUG"}


def crds_line(level: str, message: str) -> str:
    """One log line as crds prints it."""
    return f"CRDS - {level} -  {message}"


@dataclass(frozen=True)
class Message:
    level: str
    text: str
    filename: str | None = None
    instrument: str = "unknown"
    filekind: str = "unknown"


@dataclass
class CertifyLog:
    """Collects and prints messages; counts errors, warnings and infos as crds does."""

    stream: TextIO | None = None
    verbose: bool = False
    messages: list[Message] = field(default_factory=list)
    #: Errors of the unique-error classes (``--dump-unique-errors``): text without the file prefix.
    tracked: list[Message] = field(default_factory=list)

    #: Rewrites each message's text before it is kept (JWST: data model names annotated with FITS keywords).
    annotate: Callable[[str], str] | None = None

    def _emit(self, message: Message) -> None:
        if self.annotate is not None:
            message = replace(message, text=self.annotate(message.text))
        self._keep(message)

    def replay(self, messages: list[Message], tracked: list[Message]) -> None:
        """Keep and print messages another log (another process) already made, as they were."""
        for message in messages:
            self._keep(message)
        self.tracked.extend(tracked)

    def _keep(self, message: Message) -> None:
        self.messages.append(message)
        if message.level == "VERBOSE" and not self.verbose:
            return
        out = self.stream if self.stream is not None else sys.stderr
        print(crds_line(SHOWN_LEVEL.get(message.level, message.level), message.text), file=out)

    def error(self, text: str, filename: str | None = None, instrument: str = "unknown",
              filekind: str = "unknown") -> None:
        self._emit(Message("ERROR", text, filename, instrument, filekind))

    def track_error(self, filename: str, instrument: str, filekind: str, text: str) -> None:
        """An error counted per unique (instrument, type, text) class, prefixed as crds's script errors are."""
        instrument, filekind = str(instrument).upper(), str(filekind).upper()
        self.error(f"instrument={instrument!r} type={filekind!r} data={filename!r} ::  {text}", filename,
                   instrument, filekind)
        self.tracked.append(Message("ERROR", text, filename, instrument, filekind))

    def warning(self, text: str, filename: str | None = None) -> None:
        self._emit(Message("WARNING", text, filename))

    def verbose_warning(self, text: str, filename: str | None = None) -> None:
        """A warning crds shows (and counts) only with ``--verbose``."""
        if self.verbose:
            self.warning(text, filename)

    def info(self, text: str) -> None:
        self._emit(Message("INFO", text))

    def verbose_info(self, text: str) -> None:
        self._emit(Message("VERBOSE", text))

    def count(self, level: str) -> int:
        return sum(1 for message in self.messages if message.level == level)

    @property
    def errors(self) -> int:
        return self.count("ERROR")

    @property
    def warnings(self) -> int:
        return self.count("WARNING")

    def summary(self) -> None:
        """The closing count lines (``N errors``...), counted before they are printed, as crds does."""
        errors, warnings, infos = self.errors, self.warnings, self.count("INFO")
        for text in (f"{errors} errors", f"{warnings} warnings", f"{infos} infos"):
            self.info(text)

    def as_json(self) -> dict:
        """Counts and messages for machines (``--json``); verbose messages only when shown."""
        shown = [m for m in self.messages if m.level != "VERBOSE" or self.verbose]
        return {
            "errors": self.errors, "warnings": self.warnings, "infos": self.count("INFO"),
            "messages": [{"level": SHOWN_LEVEL.get(m.level, m.level), "text": m.text, "file": m.filename,
                          "instrument": m.instrument, "type": m.filekind} for m in shown],
        }


def annotate_fits_keywords(text: str) -> str:
    """JWST: ``META.X.Y`` in a message becomes ``META.X.Y [FITSKEY]``, as crds's JWST log does."""
    from ..observatories.reference_keywords import annotate_fits_keywords as annotate

    return annotate(text)


#: Message rewriting per observatory.
ANNOTATORS = {"jwst": annotate_fits_keywords}
