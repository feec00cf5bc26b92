"""What a sync did, and the lines it says on the way (stderr; errors are one line each)."""
from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field


def to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@dataclass
class SyncReport:
    observatory: str = ""
    contexts: list[str] = field(default_factory=list)
    fetched_files: int = 0
    fetched_bytes: int = 0
    would_fetch_files: int = 0
    would_fetch_bytes: int = 0
    removed: list[str] = field(default_factory=list)
    removed_bytes: int = 0
    check_counts: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    context_before: str | None = None
    context_after: str | None = None
    config_updated: bool = False
    seconds: float = 0.0
    log: Callable[[str], None] = field(default=to_stderr, repr=False, compare=False)
    verbose_on: bool = field(default=False, repr=False, compare=False)
    readonly: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def info(self, line: str) -> None:
        self.log(line)

    def verbose(self, line: str) -> None:
        if self.verbose_on:
            self.log(line)

    def warning(self, line: str) -> None:
        self.warnings.append(line)
        self.log(f"WARNING: {line}")

    def error(self, line: str) -> None:
        self.errors.append(line)
        self.log(f"ERROR: {line}")

    def summary(self) -> str:
        parts = [f"{self.fetched_files} files ({self.fetched_bytes} bytes) fetched"]
        if self.would_fetch_files:
            parts.append(f"{self.would_fetch_files} files ({self.would_fetch_bytes} bytes) would be fetched")
        if self.removed:
            verb = "would be removed" if self.readonly else "removed"
            parts.append(f"{len(self.removed)} files ({self.removed_bytes} bytes) {verb}")
        for name, count in self.check_counts.items():
            parts.append(f"{count} {name}")
        parts.append(f"context {self.context_after or self.context_before or '(none)'}"
                     + (" (config updated)" if self.config_updated else ""))
        parts.append(f"{len(self.errors)} errors, {len(self.warnings)} warnings, {self.seconds:.1f} s")
        return "Sync: " + "; ".join(parts)
