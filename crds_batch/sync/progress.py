"""Transfer progress: files, bytes, rate and ETA, counted by the download threads."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

Report = Callable[[str], None]


def human_bytes(count: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(count) < 1000 or unit == "TB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} TB"  # pragma: no cover


def duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


@dataclass
class TransferProgress:
    """What one phase (mappings, references, hashing) has to do and has done so far."""

    what: str
    total_files: int
    total_bytes: int
    report: Report | None = None
    interval: float = 2.0

    def __post_init__(self):
        self.files = 0
        self.bytes = 0
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._last_report = self._started

    def add(self, files: int, nbytes: int) -> None:
        with self._lock:
            self.files += files
            self.bytes += nbytes
            now = time.monotonic()
            due = now - self._last_report >= self.interval or self.files == self.total_files
            if due:
                self._last_report = now
        if due and self.report:
            self.report(self.line())

    def line(self) -> str:
        elapsed = max(time.monotonic() - self._started, 1e-6)
        rate = self.bytes / elapsed
        left = max(self.total_bytes - self.bytes, 0)
        eta = duration(left / rate) if rate > 0 and left else "0:00:00"
        return (f"{self.what}: {self.files}/{self.total_files} files, {human_bytes(self.bytes)} of "
                f"{human_bytes(self.total_bytes)}, {human_bytes(rate)}/s, {self.files / elapsed:.1f} files/s, "
                f"ETA {eta}")
