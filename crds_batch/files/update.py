"""Write best references into a dataset file's header, as ``crds bestrefs --update-bestrefs`` does.

What crds writes (crds 13.2.7, ``update_file_bestrefs``), and so what we write:

- only files with at least one update, in the primary header: ``CRDS_CTX``
  (the context name), ``CRDS_VER`` (the writing software's version; ours names
  crds-batch), then one keyword per updated type in type order;
- HST keyword = the type name upper-cased; JWST FITS keyword = the datamodels
  ``R_*`` abbreviation of the type, else the type name upper-cased;
- value ``N/A`` as is, else ``(prefix + name).lower()`` with the instrument's
  IRAF prefix (``jref$``...) for HST and ``crds://`` for JWST.

crds writes nothing into ASDF files (its updater opens every file as FITS
and fails), so :func:`write_bestrefs` leaves ASDF files alone and says so.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .. import __version__
from ..observatories.keyword_data import JWST_REFERENCE_KEYWORDS
from ..observatories.tables import get_observatory
from .fits_update import update_fits_keywords
from .headers import ASDF_SUFFIXES

#: Reference-name prefix in headers of observatories without per-instrument IRAF prefixes.
URI_PREFIX = "crds://"
#: Per observatory: type name (upper case) -> FITS keyword, where it is not the type name itself.
TYPE_KEYWORDS: dict[str, dict[str, str]] = {"jwst": JWST_REFERENCE_KEYWORDS}
#: The value of the version keyword we write.
VERSION_INFO = f"crds-batch {__version__}"


@dataclass(frozen=True, order=True)
class RefUpdate:
    """One new assignment: ``new`` is crds's normalized value (``N/A`` or an upper-case file name)."""

    instrument: str
    filekind: str
    old: str | None
    new: str

    def line(self, dataset: str) -> str:
        """The ``--print-new-references`` line crds prints for this update."""
        return " ".join([dataset.lower(), self.instrument.lower(), self.filekind.lower(),
                         str(self.old).lower(), self.new.lower()])


def reference_prefix(observatory: str, instrument: str) -> str:
    """``jref$`` for HST ACS..., ``crds://`` elsewhere."""
    prefixes = get_observatory(observatory).reference_prefixes
    return prefixes.get(instrument.upper(), URI_PREFIX) if prefixes else URI_PREFIX


def reference_keyword(observatory: str, filekind: str) -> str:
    """The header keyword recording the reference of type ``filekind``."""
    name = filekind.upper()
    return TYPE_KEYWORDS.get(observatory, {}).get(name, name)


def header_assignments(observatory: str, context: str, updates: Sequence[RefUpdate],
                       version: str = VERSION_INFO) -> list[tuple[str, str]]:
    """The ``(keyword, value)`` pairs crds would set for ``updates``, in crds's order."""
    if not updates:
        return []
    pairs = [("CRDS_CTX", context), ("CRDS_VER", version)]
    for update in sorted(updates):
        value = update.new.upper()
        if value != "N/A":
            value = (reference_prefix(observatory, update.instrument) + value).lower()
        pairs.append((reference_keyword(observatory, update.filekind), value))
    return pairs


def is_writable(path: str) -> bool:
    """False for files crds never writes bestrefs into (ASDF)."""
    return not path.lower().endswith(ASDF_SUFFIXES)


def write_bestrefs(path: str, observatory: str, context: str, updates: Sequence[RefUpdate]) -> bool:
    """Write ``updates`` into the header of the dataset file ``path``; True if the file was changed.

    The file is replaced atomically (see :mod:`.atomic`), or its header
    rewritten in place where replacing it would change its links or owner
    (see :mod:`.write_plan`): a failure or a kill leaves the original
    byte-identical.  ASDF files and empty update lists leave the file
    untouched (False).

    Raises
    ------
    FileUpdateError
        The file may not be updated (permissions...): it is left untouched.
    """
    pairs = header_assignments(observatory, context, updates)
    if not pairs or not is_writable(path):
        return False
    update_fits_keywords(path, pairs)
    return True
