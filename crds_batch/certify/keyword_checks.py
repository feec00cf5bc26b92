"""A reference's keywords and table columns against the constraints crds keeps for its instrument and type.

As ``crds certify`` checks them (its ``.tpn`` validators, kept as data in
:mod:`crds_batch.observatories.constraints`):

- the header is the union of every HDU's cards (first value wins), values
  read back as numbers where they are numbers;
- each constraint (sorted) applies unless its presence condition says not:
  a missing required keyword or column is an error (``Missing required
  keyword 'X'``), a missing ``W`` keyword a warning, an excluded one present
  an error, a present one must have a legal value (``Value 'X' is not one of
  [...]``, ranges, real tolerances, PEDIGREE and date forms);
- constraints on keywords the comparison context's rmap selects on are
  required even where the constraint says optional.

Array, group, expression and SYNPHOT constraints are checked by
:mod:`.complex_checks` from the same loop (in crds's order); presence
conditions are ``.tpn`` expressions (:mod:`.tpn_expressions`, never ``eval``).
"""
from __future__ import annotations


from ..observatories.constraints import Constraint, constraints
from ..rules.errors import ExpressionError
from .complex_checks import ARRAY_KEYTYPES, check_complex, handles, header_name, with_arrays
from .log import CertifyLog
from .tpn_expressions import compile_tpn_expression
from .value_checks import NonCompliant, NotChecked, check_value

UNDEFINED = "UNDEFINED"
_KEYTYPE_WORD = {"H": "keyword", "C": "table column", "A": "array", "D": "array"}
#: Header keys whose repeated cards crds joins instead of keeping the first.
_APPENDED = ("HISTORY", "COMMENT")


def fits_header(path: str) -> dict:
    """crds's reference header of a FITS file: every HDU's cards, first value wins, numbers as numbers."""
    from astropy.io import fits

    header: dict = {}
    with fits.open(path) as hdus:
        for hdu in hdus:
            for card in hdu.header.cards:
                key = str(card.keyword).upper()
                if not key:
                    continue
                value = str(card.value)
                if key in header and key in _APPENDED:
                    header[key] += "\n" + value
                elif key not in header:
                    header[key] = value
    header["FILE_FORMAT"] = "FITS"
    return {key: _number_or_text(value) for key, value in header.items()}


def _number_or_text(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return float(value)
        except (TypeError, ValueError):
            return value


def check_reference_keywords(path: str, header: dict, observatory: str, instrument: str, filekind: str,
                             required_names: set[str] | None, log: CertifyLog, tables=None,
                             context: str | None = None, check_useafter: bool = True) -> None:
    """Log crds's constraint errors and warnings for the reference at ``path``.

    ``required_names``: keywords the governing rmap selects on (their optional constraints become required),
    None when the context has no rmap for the type; ``tables``: ``[(column names, rows)]`` of the file's tables,
    for column constraints; ``context``: the comparison context (SYNPHOT checks read its files); ``check_useafter``: report an unparsable USEAFTER here (HST; JWST/Roman headers report
    it when their keywords are mapped to dataset keywords).
    """
    if check_useafter and required_names is not None and "USEAFTER" in header:
        _check_useafter(path, header["USEAFTER"], instrument, filekind, log)
    required_names = required_names or set()
    header = certified_header(header, observatory, instrument, filekind, mapped=False)
    checks = [_required_copy(c) if c.presence in ("O", "W") and c.name in required_names else c
              for c in constraints(observatory, instrument, filekind, "tpn")]
    header = with_arrays(path, header, checks)
    _report_missing_arrays(path, checks, header, log, instrument, filekind)
    for constraint in checks:
        if constraint.keytype not in ("H", "C") and not handles(constraint):
            continue
        presence = None
        try:
            presence = _presence(constraint, header, log)
            if not presence:
                continue
            if handles(constraint):
                suggestion = None
                if constraint.keytype == "C" and not any(constraint.name in names for names, _ in tables or []):
                    suggestion = _missing(constraint, presence)
                else:
                    check_complex(constraint, path, header, tables or [], context, log)
            elif constraint.keytype == "H":
                suggestion = _check_header(constraint, presence, header)
            else:
                suggestion = _check_column(constraint, presence, tables or [])
        except NotChecked:
            continue
        except NonCompliant as exc:
            log.warning(f"{exc} for {constraint.name!r} should be 'YYYY-MM-DDTHH:MM:SS'", path)
        except Exception as exc:  # noqa: BLE001 - every failed check is one message, as crds logs it
            if presence == "W":
                log.warning(f"Checking {constraint.name!r} failed: {exc}", path)
            else:
                log.track_error(path, instrument, filekind, f"Checking {constraint.name!r} : {exc}")
        else:
            if suggestion:
                log.warning(suggestion, path)


def _report_missing_arrays(path: str, checks, header: dict, log: CertifyLog, instrument: str,
                           filekind: str) -> None:
    """crds reports each required array the file lacks once, before the checks (``Missing required array``)."""
    reported = set()
    for constraint in checks:
        name = header_name(constraint)
        if constraint.keytype not in ARRAY_KEYTYPES or header.get(name) != UNDEFINED or name in reported:
            continue
        try:
            presence = _presence(constraint, header, log)
            suggestion = _missing(constraint, presence) if presence else None
        except NotChecked:
            continue
        except ValueError as exc:
            log.track_error(path, instrument, filekind, str(exc))
            reported.add(name)
        else:
            if suggestion:
                log.warning(suggestion, path)


def certified_header(header: dict, observatory: str, instrument: str, filekind: str, mapped: bool) -> dict:
    """The header crds checks and dumps: with ``mapped`` (an rmap governs the file) DATE-OBS/TIME-OBS from a
    parsable USEAFTER; every keyword or column a constraint names and the file lacks as ``UNDEFINED``."""
    header = dict(header)
    if mapped and "USEAFTER" in header:
        from ..rules.dates import reformat_date

        try:
            date, time = reformat_date(str(header["USEAFTER"])).split()[:2]
        except Exception:  # noqa: BLE001 - reported by the USEAFTER check
            pass
        else:
            header.update({"DATE-OBS": date, "DATE_OBS": date, "TIME-OBS": time, "TIME_OBS": time})
    for constraint in constraints(observatory, instrument, filekind, "tpn"):
        if constraint.keytype in ("H", "C") and constraint.name not in header:
            header[constraint.name] = UNDEFINED
    return header


def constrained_names(observatory: str, instrument: str, filekind: str) -> set[str]:
    """Header keywords the type's constraints name."""
    return {c.name for c in constraints(observatory, instrument, filekind, "tpn") if c.keytype == "H"}


def _check_useafter(path: str, useafter, instrument: str, filekind: str, log: CertifyLog) -> None:
    """crds turns USEAFTER into the dataset's DATE-OBS/TIME-OBS when an rmap governs the file: it must parse."""
    from ..rules.dates import reformat_date

    try:
        reformat_date(str(useafter))
    except Exception:  # noqa: BLE001 - any unparsable date is this one error
        log.track_error(path, instrument, filekind, "Error mapping reference names and values to dataset names "
                        f"and values : Bad USEAFTER time format = {str(useafter)!r}")


def _required_copy(constraint: Constraint) -> Constraint:
    return Constraint(constraint.name, constraint.keytype, constraint.datatype, "R", constraint.values)


def _presence(constraint: Constraint, header: dict, log: CertifyLog):
    """False when the constraint does not apply to ``header``, else its effective presence (R, O, W, True...)."""
    presence = constraint.presence
    if constraint.conditional:
        try:
            expression = compile_tpn_expression(presence)
        except ExpressionError:
            raise NotChecked(presence) from None
        try:
            value = expression.evaluate(header)
        except Exception as exc:  # noqa: BLE001 - crds warns and skips the check
            log.warning(f"Failed checking applicability of {constraint.describe()} skipping check :  {exc}")
            return False
        if not value:
            return False
        presence = value
    if presence in ("O", "W"):
        return presence
    if presence in ("F", "S", "A"):
        raise NotChecked(presence)
    return True if presence not in ("R", "P", "E") else presence


def _check_header(constraint: Constraint, presence, header: dict) -> str | None:
    """Raise for an illegal or missing required keyword; return the warning for a missing suggested one."""
    value = header.get(constraint.name, UNDEFINED)
    if value in (None, UNDEFINED):
        return _missing(constraint, presence)
    if presence == "E":
        raise ValueError(f"*Must not define* keyword {constraint.name!r}")
    check_value(constraint, value)
    return None


def _check_column(constraint: Constraint, presence, tables) -> str | None:
    seen = False
    for colnames, rows in tables:
        if constraint.name in colnames:
            seen = True
            index = colnames.index(constraint.name)
            for row in rows:
                if row[index] is not None:
                    check_value(constraint, row[index])
    return None if seen else _missing(constraint, presence)


def _missing(constraint: Constraint, presence) -> str | None:
    what = f"{_KEYTYPE_WORD[constraint.keytype]} {constraint.name!r}"
    if presence in ("R", "P", True):
        raise ValueError(f"Missing required {what}")
    return f"Missing suggested {what}" if presence == "W" else None


def governing_rmap(context: str | None, instrument: str, filekind: str):
    """The parsed rmap pmap ``context`` has for ``instrument``/``filekind``, or why there is none: ``(rmap,
    None)``, ``(None, "Unknown instrument 'x' for context 'y'")``/``(None, "Unknown reference type 'z'")`` (crds's
    words), ``(None, None)`` without a context or a loadable mapping."""
    if context is None:
        return None, None
    from ..errors import CrdsBatchError
    from ..tools.mapping_tree import is_special, load_parsed
    from .mappings import _selection

    try:
        imap_name = _selection(load_parsed(context), instrument)
        if imap_name is None or is_special(imap_name):
            return None, f"Unknown instrument {str(instrument).lower()!r} for context {context!r}"
        rmap_name = _selection(load_parsed(imap_name), filekind)
        if rmap_name is None or is_special(rmap_name):
            return None, f"Unknown reference type {str(filekind).lower()!r}"
        return load_parsed(rmap_name), None
    except (CrdsBatchError, OSError):
        return None, None


def rmap_parameters(context: str | None, instrument: str, filekind: str) -> set[str] | None:
    """Keywords the rmap for ``instrument``/``filekind`` in pmap ``context`` selects on (its parkeys, reference
    switch and extra keys); None without a context or such an rmap."""
    rmap, _ = governing_rmap(context, instrument, filekind)
    if rmap is None:
        return None
    header = rmap.header
    names: set[str] = set()
    for level in header.get("parkey", ()):
        names |= {str(name).upper() for name in (level if isinstance(level, tuple) else (level,))}
    switch = str(header.get("reffile_switch", "NONE")).upper()
    if switch != "NONE":
        names.add(switch)
    names |= {str(name).upper() for name in header.get("extra_keys", ())}
    return names


def fits_tables(path: str) -> list[tuple[list[str], list[tuple]]]:
    """(upper-case column names, rows) of each table HDU of a FITS file."""
    from astropy.io import fits

    found = []
    with fits.open(path) as hdus:
        for hdu in hdus:
            if "TABLEHDU" in type(hdu).__name__.upper() and hdu.data is not None:
                found.append(([name.upper() for name in hdu.data.columns.names], [tuple(row) for row in hdu.data]))
    return found
