"""Messages of a certify run, printed in crds's log format and counted.

``crds certify`` prints ``CRDS - ERROR -  <text>`` (two spaces after the
level) and ends with ``N errors``, ``N warnings`` and ``N infos`` lines;
scripts grep these, so :class:`CertifyLog` prints the same shapes. Errors
are also kept per file and per unique class for ``--dump-unique-errors``.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TextIO

LEVELS = ("ERROR", "WARNING", "INFO", "VERBOSE")


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

    def _emit(self, message: Message) -> None:
        self.messages.append(message)
        if message.level == "VERBOSE" and not self.verbose:
            return
        out = self.stream if self.stream is not None else sys.stderr
        print(crds_line(message.level, message.text), file=out)

    def error(self, text: str, filename: str | None = None, instrument: str = "unknown",
              filekind: str = "unknown") -> None:
        self._emit(Message("ERROR", text, filename, instrument, filekind))

    def warning(self, text: str, filename: str | None = None) -> None:
        self._emit(Message("WARNING", text, filename))

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

    def errors_of(self, filename: str) -> list[Message]:
        return [m for m in self.messages if m.level == "ERROR" and m.filename == filename]
