"""Read-only access to dataset file headers: FITS (astropy) and ASDF.

A dataset file becomes one parameter set, named as crds names it:
``{PARAM: "value"}`` with the values as crds sees them after loading a file
(``str()`` of each FITS card value; ASDF scalars, tuples and dates as strings).

- FITS: the union of the cards of every HDU, the first value of a keyword
  winning; COMMENT/HISTORY/blank cards are not parameters. JWST FITS keywords
  the rules use are renamed to their ``META.*`` names.
- ASDF: the observatory's metadata subtree (``meta`` -> ``META.*``, Roman
  ``roman.meta`` -> ``ROMAN.META.*``).

Updating headers belongs in a sibling module; nothing here writes.
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass

from ..errors import CrdsBatchError
from ..observatories.keywords import flatten_meta, jwst_fits_parameters
from ..observatories.tables import OBSERVATORIES

#: Card keywords that are commentary, never parameters.
_NOT_PARAMETERS = frozenset({"", "COMMENT", "HISTORY"})

#: File name endings read by :func:`read_parameters`.
FITS_SUFFIXES = (".fits", ".fits.gz", ".fit", ".fts")
ASDF_SUFFIXES = (".asdf",)


class HeaderError(CrdsBatchError):
    """A dataset file's header cannot be read (truncated, not FITS/ASDF...)."""


@dataclass(frozen=True)
class FileParameters:
    """The parameters of one dataset file."""

    path: str
    observatory: str
    parameters: dict[str, str]

    @property
    def dataset_id(self) -> str:
        """The file's name, which is what crds bestrefs calls a file dataset."""
        return os.path.basename(self.path)


def is_dataset_file(path: str) -> bool:
    """True if ``path`` names a FITS or ASDF file by its suffix."""
    return path.lower().endswith(FITS_SUFFIXES + ASDF_SUFFIXES)


def read_parameters(path: str) -> FileParameters:
    """Return the parameters of the FITS or ASDF dataset file at ``path``.

    Raises
    ------
    HeaderError
        The file cannot be read whole (a truncated FITS file, a broken ASDF tree...).
    """
    lower = path.lower()
    try:
        if lower.endswith(ASDF_SUFFIXES):
            return _read_asdf(path)
        if lower.endswith(FITS_SUFFIXES):
            return _read_fits(path)
    except HeaderError:
        raise
    except Exception as exc:  # astropy/asdf raise many kinds for a bad file
        raise HeaderError(f"{path}: cannot read header: {_one_line(exc)}") from exc
    raise HeaderError(f"{path}: not a FITS or ASDF file")


def _read_fits(path: str) -> FileParameters:
    from astropy.io import fits

    header: dict[str, str] = {}
    with warnings.catch_warnings():
        # Fixable card problems are fixed silently, as crds does; a truncated
        # file is an error: its missing cards would be silently UNDEFINED.
        warnings.simplefilter("ignore")
        warnings.filterwarnings("error", message=".*truncated.*")
        with fits.open(path, memmap=False, lazy_load_hdus=False) as hdulist:
            for hdu in hdulist:
                for card in hdu.header.cards:
                    card.verify("fix")
                    key = card.keyword.upper()
                    if key in _NOT_PARAMETERS:
                        continue
                    header.setdefault(key, str(card.value))
    observatory = header.get("TELESCOP", "hst").strip().lower()
    if observatory == "jwst":
        header = jwst_fits_parameters(header)
    elif observatory not in OBSERVATORIES:
        observatory = "hst"
    return FileParameters(path, observatory, header)


def _read_asdf(path: str) -> FileParameters:
    import asdf

    from .asdf_guard import TreeTooLarge, check_tree_size

    try:
        check_tree_size(path)
    except TreeTooLarge as exc:
        raise HeaderError(f"{path}: refused: {exc}") from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unknown tags etc.: the metadata is still readable
        with asdf.open(path, lazy_load=True, memmap=False) as handle:
            tree = handle.tree
            # The most specific metadata path first: Roman's roman.meta before meta.
            candidates = sorted(OBSERVATORIES.values(), key=lambda obs: -len(obs.asdf_meta_path))
            for obs in candidates:
                node = tree
                for part in obs.asdf_meta_path:
                    node = node.get(part) if hasattr(node, "get") else None
                    if node is None:
                        break
                if node is None:
                    continue
                prefix = ".".join(obs.asdf_meta_path)
                parameters = flatten_meta(node, prefix)
                observatory = obs.name
                if prefix == "meta":
                    observatory = str(node.get("telescope", "jwst")).lower()
                    if observatory not in OBSERVATORIES:
                        observatory = "jwst"
                return FileParameters(path, observatory, parameters)
    raise HeaderError(f"{path}: ASDF file has no dataset metadata (no 'meta' tree)")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
