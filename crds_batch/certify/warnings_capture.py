"""Python warnings (astropy's, asdf's) turned into certify log lines as crds shows them.

crds reports a warning raised while it reads a file as
``<Category> : <module> : <message>`` at WARNING level; scripts that count
crds's warnings count these too.
"""
from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Iterator

from .log import CertifyLog


@contextlib.contextmanager
def warnings_to_log(log: CertifyLog, filename: str | None = None) -> Iterator[None]:
    """Record every warning raised inside the block and log each as a crds WARNING line.

    astropy, when first imported, points ``warnings.showwarning`` at its own
    logger; it is imported before the block so that the block's recording wins.
    """
    import astropy.io.fits  # noqa: F401 - see above

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            for item in caught:
                text = str(item.message).strip()
                log.warning(f"{item.category.__name__} : {_module_of(item.filename)} : {text}", filename)


def _module_of(path: str) -> str:
    """The dotted module name of a source file path (the longest match on sys.path wins)."""
    path = os.path.abspath(path)
    best = ""
    for entry in sys.path:
        entry = os.path.abspath(entry or ".")
        if path.startswith(entry + os.sep) and len(entry) > len(best):
            best = entry
    relative = path[len(best) + 1:] if best else os.path.basename(path)
    module = os.path.splitext(relative)[0].replace(os.sep, ".")
    return module[:-len(".__init__")] if module.endswith(".__init__") else module
