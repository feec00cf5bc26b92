"""One ``crds-batch diff`` run: what ``crds diff`` prints for two mappings or two reference files.

:func:`diff_report` returns the exit status crds would give (0 same, 1
different, 2 when -K warned or a file could not be compared), the stdout text
and the warning lines.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..cache import locate_mapping
from ..cache.server_config import is_mapping_name
from .contexts import closure, cached_mappings
from .file_diff import difference, text_difference
from .logical_diff import (
    affected_modes, affected_types, check_lines, logical_differences, remove_boring, render,
)
from .mapping_tree import load_parsed

BANNER = "=" * 20


@dataclass(frozen=True)
class DiffOptions:
    include_header_diffs: bool = False
    hide_boring_diffs: bool = False
    recurse_added_deleted: bool = False
    lowest_mapping_only: bool = False
    remove_paths: bool = False
    squash_tuples: bool = False
    mapping_text_diffs: bool = False
    primitive_diffs: bool = False
    check_diffs: bool = False
    check_references: bool = False
    #: one of "", "new-files", "all-new-files", "instruments", "types", "modes"
    show: str = ""

    @classmethod
    def brief(cls, **options) -> DiffOptions:
        """crds's -F: -L -E -B -i."""
        options.update(lowest_mapping_only=True, remove_paths=True, hide_boring_diffs=True,
                       include_header_diffs=True)
        return cls(**options)


@dataclass
class DiffReport:
    status: int = 0
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(line if line.endswith("\n") else line + "\n" for line in self.lines)


def diff_report(old: str, new: str, options: DiffOptions = DiffOptions()) -> DiffReport:
    """Compare ``old`` with ``new`` (mapping paths or names, or reference file paths) as crds diff does."""
    report = DiffReport()
    if not (is_mapping_name(old) and is_mapping_name(new)):
        report.status, text = difference(old, new)
        if text:
            report.lines.append(text)
        return report
    if options.show == "new-files":
        return _new_files(old, new, report)
    if options.show == "all-new-files":
        return _all_new_files(old, new, report)
    diffs = logical_differences(old, new, include_header_diffs=options.include_header_diffs
                                or options.show in ("modes",), recurse_added_deleted=options.recurse_added_deleted)
    if options.show in ("instruments", "types"):
        affected = affected_types(logical_differences(old, new, options.include_header_diffs))
        for instrument in sorted(affected):
            if options.show == "instruments":
                report.lines.append(instrument)
            else:
                report.lines += ["%-10s %-10s" % (instrument, kind) for kind in sorted(affected[instrument])]
        report.status = 1 if affected else 0
        return report
    if options.show == "modes":
        modes = affected_modes(logical_differences(old, new, options.include_header_diffs))
        report.lines += modes
        report.status = 1 if modes else 0
        return report
    _logical(old, new, diffs, options, report)
    report.status = 2 if report.warnings else (1 if diffs else report.status)
    return report


def _logical(old: str, new: str, diffs, options: DiffOptions, report: DiffReport) -> None:
    if options.mapping_text_diffs:
        report.lines.append(f"{BANNER} logical differences {old!r} vs. {new!r} {BANNER}")
    shown = remove_boring(diffs) if options.hide_boring_diffs else diffs
    for diff in shown:
        if options.primitive_diffs:
            report.lines.append("=" * 80)
        report.lines.append(render(diff, options.lowest_mapping_only, options.remove_paths, options.squash_tuples))
        if options.primitive_diffs and "header" not in diff.message and "replaced" in diff.message:
            _primitive(diff.message, options, report)
    pairs = sorted({part for diff in diffs for part in diff.parts if _is_mapping_pair(part)} | {(old, new)})
    if options.mapping_text_diffs:
        for old_name, new_name in pairs:
            report.lines.append(f"{BANNER} text difference {old_name!r} vs. {new_name!r} {BANNER}")
            _status, text = text_difference(_mapping_path(old_name), _mapping_path(new_name))
            if text:
                report.lines.append(text)
            report.lines.append("=" * 80)
    if options.check_references:
        for old_name, new_name in pairs:
            report.warnings += reference_change_warnings(old_name, new_name)
    if options.check_diffs:
        from ..certify.naming import newer

        report.warnings += check_lines(diffs, newer)


def reference_change_warnings(old: str, new: str) -> list[str]:
    """``--check-references``: the references under ``old`` that ``new`` lacks and those it adds, whatever
    their rules (crds's mapping_check_references; the names sorted, crds prints them in set order)."""
    from .contexts import closure

    old_refs = set(closure([_mapping_path(old)]).references)
    new_refs = set(closure([_mapping_path(new)]).references)
    where = f"{old!r} and {new!r}"  # as named: the top pair's paths, the names of the mappings below
    warnings = []
    if old_refs - new_refs:
        warnings.append(f"Deleted references for {where} = {sorted(old_refs - new_refs)}")
    if new_refs - old_refs:
        warnings.append(f"Added references for {where} = {sorted(new_refs - old_refs)}")
    return warnings


def _primitive(message: str, options: DiffOptions, report: DiffReport) -> None:
    import re

    match = re.search(r"replaced '(.+)' with '(.+)'", message)
    if not match:
        return
    old, new = match.groups()
    if is_mapping_name(old) and is_mapping_name(new):
        old, new = _mapping_path(old), _mapping_path(new)  # crds locates the replaced files in the cache
        nested = logical_differences(old, new, recurse_added_deleted=options.recurse_added_deleted)
        _logical(old, new, nested, DiffOptions(primitive_diffs=True,
                                               recurse_added_deleted=options.recurse_added_deleted), report)
        return
    from .listing import locate_file
    from .contexts import pick_observatory

    observatory = pick_observatory(None, [old, new])
    old_path, new_path = locate_file(old, observatory), locate_file(new, observatory)
    missing = [path for path in (old_path, new_path) if not os.path.exists(path)]
    if missing:
        report.warnings.append(f"Cannot compare {old!r} with {new!r}: not in the cache ({missing[0]})")
        return
    _status, text = difference(old_path, new_path)
    if text:
        report.lines.append(text)


def _is_mapping_pair(part) -> bool:
    return isinstance(part, tuple) and len(part) == 2 and isinstance(part[0], str) and is_mapping_name(part[0])


def _mapping_path(name: str) -> str:
    return name if os.path.dirname(name) else locate_mapping(name)


def _new_files(old: str, new: str, report: DiffReport) -> DiffReport:
    """-N: mappings then references of ``new``'s closure that ``old``'s lacks."""
    before, after = closure([old]), closure([new])
    names = sorted(set(after.mappings) - set(before.mappings)) + sorted(set(after.references)
                                                                           - set(before.references))
    report.lines += names
    report.status = 1 if names else 0
    return report


def _all_new_files(old: str, new: str, report: DiffReport) -> DiffReport:
    """-A: files of every mapping of the same kind named after ``old`` up to ``new``, not in ``old``'s closure,
    each with its instrument and type (mappings from their headers, references from the rmap naming them)."""
    old_base, new_base = os.path.basename(old), os.path.basename(new)
    extension = os.path.splitext(old_base)[1]
    observatory = str(load_parsed(old).header.get("observatory", "")).lower()
    between = [name for name in cached_mappings(observatory, "*" + extension) if old_base < name <= new_base]
    before, after = closure([old]), closure(between)
    new_mappings = sorted(set(after.mappings) - set(before.mappings))
    new_references = sorted(set(after.references) - set(before.references))
    owners = _reference_owners(after.mappings, set(new_references))
    for name in new_mappings:
        header = load_parsed(name).header
        report.lines.append(f"{name} {_properties(header)}")
    for name in new_references:
        report.lines.append(f"{name} {owners.get(name, ' ')}")
    # crds always warns here (exit 2): the answer is complete only if the cache holds every context between.
    report.warnings.append("--print-all-new-files requires a complete set of rules: the cache's mappings "
                           f"between {old_base} and {new_base} were read")
    report.status = 2
    return report


def _properties(header) -> str:
    return f"{str(header.get('instrument', '')).lower()} {str(header.get('filekind', '')).lower()}"


def _reference_owners(mappings, wanted: set[str]) -> dict[str, str]:
    from .mapping_tree import terminal_files

    owners = {}
    for name in mappings:
        if name.endswith(".rmap"):
            parsed = load_parsed(name)
            for reference in terminal_files(parsed.selector) & wanted:
                owners.setdefault(reference, _properties(parsed.header))
    return owners
