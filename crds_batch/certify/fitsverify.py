"""The external ``fitsverify`` program (cfitsio), when installed, read as crds reads it.

Its ``Error:``/``Warning:`` lines become crds ERROR/WARNING lines prefixed ``>>``
(a few recategorized as crds does: long-string and XTENSION notes are INFO,
bad checksums are errors); any other line is INFO; closing lines say the
output held lines crds recategorizes as warnings, errors or infos. Debian
and Ubuntu package the program as ``fitsverify`` (``.ci/run`` installs it).
"""
from __future__ import annotations

import shutil
import subprocess

from .log import CertifyLog

#: Text in a fitsverify line -> the level crds gives it instead of the line's own.
RECATEGORIZED = (
    ("Unregistered XTENSION value", "INFO"),
    ("The OGIP long string keyword convention is used", "INFO"),
    ("recommended LONGSTRN keyword.", "INFO"),
    ("checksum is not", "ERROR"),
    ("Invalid CHECKSUM", "ERROR"),
    ("dyld: Library not loaded:", "WARNING"),
)


def run_fitsverify(path: str, log: CertifyLog) -> None:
    program = shutil.which("fitsverify")
    if program is None:
        log.warning("External fitsverify program is enabled but not found on PATH.", path)
        return
    log.info("Running fitsverify.")
    done = subprocess.run([program, path], capture_output=True, text=True)
    errors, warnings = log.errors, log.warnings
    recategorized_infos = 0
    for line in (done.stdout + done.stderr).splitlines():
        if "Error:" in line or "Warning:" in line:
            for text, level in RECATEGORIZED:
                if text in line:
                    _log(log, level, f">> RECATEGORIZED {line}", path)
                    recategorized_infos += level == "INFO"
                    break
            else:
                _log(log, "ERROR" if "Error:" in line else "WARNING", f">> {line}", path)
        else:
            log.info(f">> {line}")
    if done.returncode != 0:
        log.info("Fitsverify returned a NONZERO COMMAND LINE ERROR STATUS.")
    if log.warnings > warnings:
        log.warning("Fitsverify output contains errors or warnings CRDS recategorizes as WARNINGs.", path)
    if log.errors > errors:
        log.error("Fitsverify output contains errors or warnings CRDS recategorizes as ERRORs.", path)
    if recategorized_infos:
        log.info("Fitsverify output contains errors or warnings CRDS recategorizes as INFOs.")


def _log(log: CertifyLog, level: str, text: str, path: str) -> None:
    {"ERROR": lambda: log.error(text, path), "WARNING": lambda: log.warning(text, path),
     "INFO": lambda: log.info(text)}[level]()
