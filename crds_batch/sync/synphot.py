"""``crds-batch get-synphot``: an HST context's synphot files in the directory layout (st)synphot reads.

As crds's ``get_synphot``: the context's mappings and the references of its
SYNPHOT rules are synced into a private CRDS cache ``<dir>/crds``; the
component tables (TMC: throughputs, TMT: thermal) name every component file
as ``<iraf dir>$<file>[param]``; each is hard-linked to where the IRAF
directory points under ``<dir>`` (``cracscomp$`` -> ``comp/acs``), and the
TMC, TMT and TMG tables themselves to ``<dir>/mtab``. ``comp`` and ``mtab``
are emptied first unless ``keep_synphot``; the private cache is removed at
the end unless ``keep_crds`` (kept, a later run fetches only what changed).
Set ``PYSYN_CDBS=<dir>`` for synphot.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Callable

from astropy.io import fits

from ..cache.paths import CachePaths
from ..client import CrdsClient
from ..rules.parsing import parse_mapping
from .errors import SyncError
from .locate import Placement, current_subdir_mode
from .plan import SyncOptions, resolve_name
from .report import SyncReport, to_stderr
from .run import run_sync

#: IRAF directory names of component files -> their directory under PYSYN_CDBS
#: (stsynphot's data/irafshortcuts.txt; ``crrefer`` is the root and ``mtab`` the tables, as its irafconvert).
IRAF_DIRECTORIES = {
    "crrefer": ".", "mtab": "mtab", "crcalobs": "calobs", "crcalspec": "calspec", "croldcalspec": "oldcalspec",
    "crfields": "fields", "crwave": "crwave", "crmodewave": "modewave", "crfgs": "fgs", "crcomp": "comp",
    "crnonhstcomp": "comp/nonhst", "crotacomp": "comp/ota", "crcostarcomp": "comp/costar",
    "crfoccomp": "comp/foc", "crfoscomp": "comp/fos", "crhspcomp": "comp/hsp", "crhrscomp": "comp/hrs",
    "crwfpccomp": "comp/wfpc", "crwfpc2comp": "comp/wfpc2", "crfgscomp": "comp/fgs",
    "crnicmoscomp": "comp/nicmos", "cracscomp": "comp/acs", "crwfc3comp": "comp/wfc3", "crstiscomp": "comp/stis",
    "crcoscomp": "comp/cos", "coscomp": "comp/cos", "crjwstotecomp": "comp/jwstote", "crmiricomp": "comp/miri",
    "crnircamcomp": "comp/nircam", "crnirspeccomp": "comp/nirspec",
}
COMPONENT_TABLES = ("tmttab", "tmctab")
MASTER_TABLES = ("tmctab", "tmttab", "tmgtab")


def synphot_path(root: str, iraf_name: str) -> tuple[str, str]:
    """``cracscomp$acs_f435w_006_syn.fits[x]`` -> ``("acs_f435w_006_syn.fits", "<root>/comp/acs/acs_f...")``."""
    directory, _, name = iraf_name.strip().partition("$")
    name = name.split("[")[0]
    relative = IRAF_DIRECTORIES.get(directory.lower())
    if not name or relative is None:
        raise SyncError(f"Unknown synphot directory {directory!r} in {iraf_name!r}")
    return name, os.path.normpath(os.path.join(os.path.abspath(root), relative, name))


def get_synphot(client: CrdsClient, context: str, output_dir: str, *, keep_crds: bool = False,
                keep_synphot: bool = False, parallel: int = 8,
                log: Callable[[str], None] = to_stderr) -> SyncReport:
    root = os.path.abspath(output_dir)
    crds_dir = os.path.join(root, "crds")
    if not keep_crds:
        shutil.rmtree(crds_dir, ignore_errors=True)
    resolved = resolve_name(client, "hst", context)
    common = dict(observatory="hst", cache_root=crds_dir, update_config=False, parallel=parallel)
    report = run_sync(SyncOptions(contexts=[resolved], **common), client, log)
    paths = CachePaths.from_env("hst", {"CRDS_PATH": crds_dir})
    rmaps = _synphot_rmaps(paths, resolved)
    names = sorted({str(n) for n in client.call("get_reference_names", rmaps["imap"])})
    fetched = run_sync(SyncOptions(files=names, **common), client, log)
    report.fetched_files += fetched.fetched_files
    report.fetched_bytes += fetched.fetched_bytes
    report.errors += fetched.errors
    placement = Placement("hst", paths, current_subdir_mode(paths)[0])
    links = _synphot_names(placement, rmaps, root, report)
    if not keep_synphot:
        for sub in ("comp", "mtab"):
            shutil.rmtree(os.path.join(root, sub), ignore_errors=True)
    linked = 0
    for name, target in sorted(links.items()):
        source = placement.path(name)
        if not os.path.exists(source):
            report.error(f"Failed linking {name!r} to CDBS directory: not in the cache ({source})")
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.exists(target):
            report.verbose(f"Skipped existing {target}")
            continue
        os.link(source, target)
        linked += 1
    report.info(f"Linked {linked} synphot files under {root} (PYSYN_CDBS={root})")
    if not keep_crds:
        shutil.rmtree(crds_dir, ignore_errors=True)
    return report


def _synphot_rmaps(paths: CachePaths, context: str) -> dict[str, str]:
    """``{"imap": the SYNPHOT imap, "tmctab": its rmap, ...}`` of ``context`` (from the synced cache)."""
    def selector(name: str) -> dict:
        with open(os.path.join(paths.mappings, name), encoding="utf-8") as handle:
            value = parse_mapping(handle.read(), name).selector
        return {str(k).lower(): v for k, v in value.items()} if isinstance(value, dict) else {}

    imap = selector(context).get("synphot")
    if not isinstance(imap, str):
        raise SyncError(f"Context {context!r} has no SYNPHOT rules")
    return {"imap": imap, **{k: v for k, v in selector(imap).items() if isinstance(v, str)}}


def _synphot_names(placement: Placement, rmaps: dict[str, str], root: str, report) -> dict[str, str]:
    """``{file name: its path under root}`` for every component the TMC/TMT tables list, and the tables."""
    from ..tools import mapping_tree

    def table_of(kind: str) -> str:
        path = os.path.join(placement.paths.mappings, rmaps[kind])
        names = sorted(mapping_tree.terminal_files(mapping_tree.load_parsed(path).selector))
        if len(names) != 1:
            raise SyncError(f"More than one {kind[:3].upper()} reference named in {rmaps[kind]!r}: {names}")
        return names[0]

    links: dict[str, str] = {}
    for kind in COMPONENT_TABLES:
        with fits.open(placement.path(table_of(kind))) as hdus:
            for iraf_name in hdus[1].data["FILENAME"]:
                try:
                    name, target = synphot_path(root, str(iraf_name))
                except SyncError as exc:
                    report.error(str(exc))
                    continue
                links[name] = target
    for kind in MASTER_TABLES:
        name = table_of(kind)
        links[name] = os.path.join(root, "mtab", name)
    return links
