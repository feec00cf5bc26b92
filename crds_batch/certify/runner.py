"""``crds-batch certify``: certify mappings and references, then summarize as ``crds certify`` does.

Files named on the command line are read from where they are (a bare name
from the current directory, ``crds://name`` from the cache); a mapping brings
in every mapping below it unless ``dont_recurse``. Each file is certified
against the comparison context (default: the operational context of the
files' observatory; ``none``: no comparison). ``exist``/``deep`` check that
the references an rmap names are in the cache, and with ``deep`` certify them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace

from ..cache import locate_reference, resolve_context
from ..cache.paths import strip_uri
from ..errors import CrdsBatchError, UnknownContextError
from ..observatories.tables import observatory_of_name
from ..rules.parsing import SelectorCall
from ..tools.mapping_tree import load_parsed, mapping_names, terminal_files
from .kinds import detect_format, is_mapping
from .log import ANNOTATORS, CertifyLog
from .mappings import certify_mapping, load_problem, read_mapping

BANNER = "#" * 40
NO_CONTEXT = ("none", "NONE", "None")


@dataclass(frozen=True)
class CertifyOptions:
    comparison_context: str | None = None
    comparison_reference: str | None = None
    deep: bool = False
    exist: bool = False
    dont_recurse: bool = False
    dont_parse: bool = False
    run_fitsverify: bool = False
    dump_provenance: bool = False
    #: Processes certifying ``deep`` references (1: in this process).
    jobs: int = 1


def locate_given(name: str) -> str:
    """Where a file named by the user is: ``crds://x`` in the cache, anything else as a path (``./`` added)."""
    if name.startswith("crds://"):
        plain = strip_uri(name)
        if is_mapping(plain):
            from ..cache import locate_mapping

            return locate_mapping(plain)
        return locate_reference(plain, observatory_of_name(plain).name)
    return name if os.path.dirname(name) else "./" + name


def comparison_context_of(spec: str | None, observatory: str, log: CertifyLog) -> str | None:
    """The comparison context's mapping name: ``spec``, the operational context, or None for ``none``."""
    if spec in NO_CONTEXT:
        log.info("No comparison context: --comparison-context none.")
        return None
    if spec is None:
        log.info("Defaulting --comparison-context to operational context.")
    if spec is not None and not is_mapping(strip_uri(spec)) and "-" not in spec:
        raise UnknownContextError(f"Specified --comparison-context {spec!r} is not a CRDS mapping.")
    return os.path.basename(resolve_context(spec, observatory, user_files=False))


def file_closure(names: list[str], dont_recurse: bool, log: CertifyLog) -> list[str]:
    """The files to certify: those given and, unless ``dont_recurse``, every mapping below a given one."""
    files: set[str] = set()
    for name in names:
        path = locate_given(name)
        files.add(path)
        if dont_recurse or not is_mapping(path):
            continue
        problem = load_problem(path)
        if problem is not None:
            instrument, filekind, message = problem
            log.track_error(path, instrument, filekind, f"Problem loading submappings of {path!r} : {message}")
            continue
        children = mapping_names(path) - {os.path.basename(path)}
        from ..cache import locate_mapping

        files |= {locate_mapping(child) for child in children}
    return sorted(files)


def observatory_of(paths: list[str], context_spec: str | None = None) -> str:
    """The files' observatory: from a named comparison context, the file names, a mapping header, or
    ``CRDS_OBSERVATORY``."""
    if context_spec and context_spec not in NO_CONTEXT:
        try:
            return observatory_of_name(os.path.basename(strip_uri(context_spec))).name
        except UnknownContextError:
            pass
    for path in paths:
        try:
            return observatory_of_name(os.path.basename(path)).name
        except UnknownContextError:
            if is_mapping(path):
                try:
                    return str(read_mapping(path).header["observatory"]).lower()
                except (CrdsBatchError, OSError, KeyError, UnicodeDecodeError):
                    continue
    if os.environ.get("CRDS_OBSERVATORY"):
        return os.environ["CRDS_OBSERVATORY"].lower()
    raise UnknownContextError("Cannot tell the observatory of the files; name a --comparison-context")


def certify_files(names: list[str], options: CertifyOptions, log: CertifyLog, progress=None) -> int:
    """Certify ``names``; log as crds (the caller adds the unique-error dump and the count lines); return
    the number of errors. ``progress(done, total)`` follows the references certified in parallel (``deep``)."""
    files = file_closure(names, options.dont_recurse, log)
    if options.comparison_reference:
        options = replace(options, comparison_reference=locate_given(options.comparison_reference))
    observatory = observatory_of(files, options.comparison_context)
    log.annotate = ANNOTATORS.get(observatory)
    context = comparison_context_of(options.comparison_context, observatory, log)
    certified: dict = {}
    if options.deep and options.jobs > 1:
        from .deep import certify_in_parallel

        references = deep_references(files, observatory)
        if len(references) > 1:
            certified = certify_in_parallel(references, context, options, observatory, options.jobs, progress)
    _certify_list(files, context, options, log, observatory, certified)
    log.info(BANNER)
    return log.errors


def deep_references(files: list[str], observatory: str) -> list[str]:
    """Every reference in the cache that the rmaps among ``files`` name (once each)."""
    import io

    quiet = CertifyLog(stream=io.StringIO())
    found: set[str] = set()
    for path in files:
        if path.endswith(".rmap"):
            found.update(existing_references(path, observatory, quiet))
    return sorted(found)


def _certify_list(files: list[str], context: str | None, options: CertifyOptions, log: CertifyLog,
                  observatory: str, certified: dict | None = None) -> None:
    from .references import certify_reference

    for number, path in enumerate(files, 1):
        log.info(BANNER)
        kind = detect_format(path)
        relative = context if context is not None else "none"
        line = f"Certifying {path!r} ({number}/{len(files)}) as {kind.upper()!r} relative to context {relative!r}"
        if options.comparison_reference and kind != "mapping":
            line += f" and comparison reference {options.comparison_reference!r}"
        log.info(line)
        if kind == "mapping":
            certify_mapping(path, context, log, dont_parse=options.dont_parse)
            if options.exist or options.deep:
                references = existing_references(path, observatory, log)
                if options.deep and references:
                    _certify_list(references, context, options, log, observatory, certified)
        elif certified and path in certified:
            log.replay(*certified[path])
        else:
            certify_reference(path, kind, context, options, log, observatory)


def existing_references(rmap_path: str, observatory: str, log: CertifyLog) -> list[str]:
    """Cache paths of the references an rmap names; a missing one is a tracked error."""
    try:
        parsed = load_parsed(rmap_path)
    except (CrdsBatchError, OSError):
        return []
    if not isinstance(parsed.selector, SelectorCall):
        return []
    instrument = str(parsed.header.get("instrument", "unknown"))
    filekind = str(parsed.header.get("filekind", "unknown"))
    found = []
    for name in sorted(terminal_files(parsed.selector)):
        path = locate_reference(name, observatory, instrument)
        if os.path.exists(path):
            found.append(path)
        else:
            log.track_error(rmap_path, instrument, filekind,
                            f"Can't locate reference file {name!r} : Path {path!r} does not exist.")
    return found


def stats_message(log: CertifyLog, elapsed: float) -> str:
    """``--stats``: files certified, time, rate."""
    certified = sum(1 for message in log.messages if message.text.startswith("Certifying "))
    rate = certified / elapsed if elapsed > 0 else 0.0
    return f"STATS: {certified} files certified in {elapsed:.2f} s ({rate:.1f} files/s)"
