"""What ``crds-batch list`` prints from the cache, as ``crds list`` prints it (lines, no I/O to stdout).

Each function returns the lines of one ``crds list`` switch: the mapping or
reference closure of contexts, cache listings, mapping text (``--cat``), the
configuration. Dictionaries print as crds's ``_print_dict``: sorted keys,
``key = repr(value)``, tab-indented under a title.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence

from ..cache import CachePaths, locate_mapping, locate_reference
from ..cache.server_config import is_mapping_name
from ..errors import CacheError
from .contexts import cached_mappings, cached_references


def dict_lines(title: str | None, values: Mapping[str, object]) -> list[str]:
    """crds's ``_print_dict``: an optional title, then ``key = repr(value)`` by sorted key."""
    lines = [title] if title else []
    if not values:
        return lines + ["\tnone"]
    indent = "\t" if title else ""
    return lines + [f"{indent}{key} = {values[key]!r}" for key in sorted(values)]


def path_lines(names: Iterable[str], observatory: str, full_path: bool) -> list[str]:
    """Mapping or reference names, or with ``full_path`` their cache paths (crds's locate_file)."""
    return [locate_file(name, observatory) if full_path else name for name in names]


def locate_file(name: str, observatory: str) -> str:
    """Cache path of a mapping or reference name (crds's config.locate_file)."""
    if is_mapping_name(name):
        return os.path.join(CachePaths.from_env(observatory).mappings, os.path.basename(name))
    return locate_reference(name, observatory, _instrument_of(name, observatory))


def _instrument_of(name: str, observatory: str) -> str | None:
    """The instrument directory of a reference in an instrument-layout cache (the name's second word)."""
    parts = os.path.basename(name).split("_")
    return parts[1] if len(parts) > 2 and parts[0] == observatory else None


def cached_mapping_lines(observatory: str, full_path: bool) -> list[str]:
    names = cached_mappings(observatory)
    if not full_path:
        return names
    directory = CachePaths.from_env(observatory).mappings
    return [os.path.join(directory, name) for name in names]


def cached_reference_lines(observatory: str, full_path: bool) -> list[str]:
    paths = cached_references(observatory)
    return paths if full_path else [os.path.basename(path) for path in paths]


# -- --cat -------------------------------------------------------------------------------------

BANNER_WIDTH = 80


def cat_lines(name: str, observatory: str, add_filename: bool = False, keywords: Sequence[str] = (),
              arrays: bool = True) -> list[str]:
    """A cached file as ``crds list --cat`` prints it: a banner, then the mapping's text.

    FITS references: header, ``fits.info`` and array properties (:mod:`.reference_headers`); ASDF, JSON,
    YAML and GEIS references: their flattened header; other files: a one-line error.
    """
    path = _cat_path(name, observatory)
    lines = ["#" * BANNER_WIDTH, f"File: {os.path.abspath(path)}", "-" * BANNER_WIDTH]
    if is_mapping_name(path):
        try:
            with open(path, encoding="utf-8") as handle:
                body = [line.rstrip() for line in handle]
        except OSError as exc:
            raise CacheError(f"Failed dumping: {name!r} : {exc.strerror}: {path!r}") from None
    elif path.lower().endswith(".fits"):
        from .reference_headers import fits_cat_lines

        if not os.path.exists(path):
            raise CacheError(f"Failed dumping: {name!r} : No such file: {path!r}")
        body = fits_cat_lines(path, keywords, arrays)
    elif path.lower().endswith(".asdf"):
        from .reference_headers import asdf_cat_lines

        if not os.path.exists(path):
            raise CacheError(f"Failed dumping: {name!r} : No such file: {path!r}")
        body = asdf_cat_lines(path, keywords)
    elif path.lower().endswith((".json", ".yaml")):
        body = _text_tree_lines(name, path, keywords)
    elif _is_geis(path):
        from .reference_headers import geis_header, header_lines

        try:
            body = header_lines(geis_header(path), keywords)
        except OSError as exc:
            raise CacheError(f"Failed dumping: {name!r} : {exc.strerror}: {path!r}") from None
    else:
        raise CacheError(f"Failed dumping: {name!r} : --cat prints mappings and FITS, ASDF, JSON, YAML and GEIS "
                         "references")
    from .reference_headers import Banner

    prefix = os.path.basename(path) + ": " if add_filename else ""
    return lines + [prefix + line if prefix and not isinstance(line, Banner) else str(line) for line in body]


def _is_geis(path: str) -> bool:
    from .file_properties import is_geis_data, is_geis_header

    return is_geis_header(path) or is_geis_data(path)


def _text_tree_lines(name: str, path: str, keywords: Sequence[str]) -> list[str]:
    """A JSON or YAML reference's header lines; a file that does not load is one line, as crds says it."""
    from .reference_headers import text_tree_cat_lines

    file_format = "JSON" if path.lower().endswith(".json") else "YAML"
    try:
        return text_tree_cat_lines(path, file_format, keywords)
    except OSError as exc:
        raise CacheError(f"Failed dumping: {name!r} : {exc.strerror}: {path!r}") from None
    except Exception as exc:  # noqa: BLE001 - json/yaml parse errors, a tree that is not a mapping
        message = " ".join(str(exc).split())
        raise CacheError(f"Failed dumping: {name!r} : {file_format} wouldn't load from {path!r} : {message}") from None


def _cat_path(name: str, observatory: str) -> str:
    """A file named on the command line: a path or ./name as given, else the cache (crds's locate_file)."""
    plain = name.removeprefix("crds://")
    if not name.startswith("crds://") and (os.path.dirname(name) or os.path.isfile(name)):
        return os.path.abspath(name)
    if is_mapping_name(plain):
        return locate_mapping(plain)
    return locate_file(plain, observatory)


# -- one run of the cache switches, in crds list's order ----------------------------------------

def listing_lines(*, observatory: str | None, choice, resolve: bool = False, references: bool = False,
                  mappings: bool = False, cached_refs: bool = False, cached_maps: bool = False,
                  full_path: bool = False, cat: bool = False, cat_files: Iterable[str] = (),
                  add_filename: bool = False, keywords: Sequence[str] = (), arrays: bool = True,
                  tpns: bool = False, file_props: bool = False, cached_pickles: bool = False,
                  warn=lambda message: None, info=lambda message: None) -> list[str]:
    """The lines ``crds list`` prints for the cache switches given (``choice``: a :class:`ContextChoice`).

    As crds: ``--cat``, else ``--tpns``, else ``--file-properties`` prints for the files named and those the
    contexts imply, and nothing else; otherwise ``--resolve-contexts``, ``--references``, ``--mappings``,
    ``--cached-references``, ``--cached-mappings``, ``--cached-pickles`` print in that order. Contexts are
    chosen only when a switch needs them.
    Contexts that cannot be read are skipped after ``warn(message)``.
    """
    from .contexts import cached_mappings as all_mappings
    from .contexts import closure, pick_observatory, select_contexts

    cat_files = list(cat_files)
    obs = pick_observatory(observatory, list(choice.contexts) + cat_files)
    needs_contexts = resolve or references or mappings
    contexts = select_contexts(choice, obs) if needs_contexts else []
    mapping_names: list[str] = []
    if mappings:
        found = closure(all_mappings(obs) if choice.all else contexts, with_references=False)
        mapping_names = found.mappings
        for name, message in found.skipped:
            warn(f"Failed loading context {name!r}: {message}")
    reference_names: list[str] = []
    if references:
        found = closure(contexts)
        reference_names = found.references
        for name, message in found.skipped:
            warn(f"Failed loading context {name!r}: {message}")
    implied = cat_files + mapping_names + reference_names
    if cat:
        lines: list[str] = []
        for name in implied:
            lines += cat_lines(name, obs, add_filename, keywords, arrays)
        return lines
    if tpns and cat_files:  # crds: --tpns without files does nothing
        lines = []
        for name in implied:
            lines += tpns_lines(name, obs, info)
        return lines
    if file_props:
        return [file_properties_line(name, obs) for name in implied]
    lines = list(contexts) if resolve else []
    lines += path_lines(reference_names, obs, full_path)
    lines += path_lines(mapping_names, obs, full_path)
    if cached_refs:
        lines += cached_reference_lines(obs, full_path)
    if cached_maps:
        lines += cached_mapping_lines(obs, full_path)
    if cached_pickles:
        lines += cached_pickle_lines(obs, full_path)
    return lines


def required_parkeys_listing(observatory: str | None, choice) -> list[str]:
    """``--required-parkeys`` for every context the specifiers choose (:func:`required_parkeys_lines`)."""
    from .contexts import pick_observatory, select_contexts

    obs = pick_observatory(observatory, list(choice.contexts))
    lines: list[str] = []
    for context in select_contexts(choice, obs):
        lines += required_parkeys_lines(context)
    return lines


# -- --tpns, --file-properties, --required-parkeys, --cached-pickles -----------------------------

def tpns_lines(name: str, observatory: str, info=lambda message: None) -> list[str]:
    """``crds list --tpns``: the constraint files of a reference (``tpn``) or mapping (``ld_tpn``) as crds prints
    them (a blank line after each file's text, one more at the end); ``info`` gets crds's divider text."""
    from .file_properties import file_properties
    from .tpns import tpn_text_lines

    path = _cat_path(name, observatory)
    instrument, filekind = file_properties(path, observatory)
    info(f"Certify constraints for '{path}'")
    field = "ld_tpn" if is_mapping_name(path) else "tpn"
    return ("\n".join(tpn_text_lines(observatory, instrument, filekind, field)) + "\n").split("\n")


def file_properties_line(name: str, observatory: str) -> str:
    """``crds list --file-properties``: ``instrument filekind basename`` (``''`` where a context has none)."""
    from .file_properties import file_properties

    path = _cat_path(name, observatory)
    instrument, filekind = file_properties(path, observatory)
    return f"{instrument} {filekind} {os.path.basename(path)}"


def required_parkeys_lines(context: str) -> list[str]:
    """``crds list --required-parkeys`` for one resolved context: a .pmap's divider and ``instrument = [...]``,
    an .imap's ``type: [...]`` (``'N/A'`` for N/A and OMIT types), an .rmap's ``name: [...]``."""
    from ..rules.loading import load_mapping
    from ..rules.mappings import InstrumentContext, PipelineContext

    mapping = load_mapping(context)
    if isinstance(mapping, PipelineContext):
        title = f"Parkeys required for {os.path.basename(context)!r}"
        dashes = "-" * ((75 - len(title) - 2) // 2)
        required = {}
        for instrument in mapping.instruments:
            imap = mapping.child(instrument)
            if not isinstance(imap, str):
                required[instrument] = list(mapping.parkey) + imap.required_parkeys()
        return [f"{dashes} {title} {dashes}"] + dict_lines("", required)
    if isinstance(mapping, InstrumentContext):
        lines = []
        for filekind in sorted(mapping.selections):
            rmap = mapping.child(filekind)
            lines.append(f"{filekind}: {'N/A'!r}" if isinstance(rmap, str) else f"{filekind}: {rmap.required_parkeys}")
        return lines
    return [f"{context}: {mapping.required_parkeys}"]


def cached_pickle_lines(observatory: str, full_path: bool) -> list[str]:
    """``crds list --cached-pickles``: the files of the cache's pickles directory (crds-batch writes none)."""
    directory = CachePaths.from_env(observatory).component("pickles")
    try:
        names = sorted(name for name in os.listdir(directory) if os.path.isfile(os.path.join(directory, name)))
    except OSError:
        return []
    return [os.path.join(directory, name) for name in names] if full_path else names
