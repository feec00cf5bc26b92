"""What a sync is asked to do (:class:`SyncOptions`) and what that means on this server (:class:`SyncPlan`).

Contexts as crds 13.2.7 chooses them (``cmdline.ContextsScript``):
``--contexts`` names (mapping names, or symbolic/date specs the server
resolves), ``--all`` (every .pmap on the server, and every mapping),
``--range N:M`` (.pmaps whose serial is in [N, M]), ``--last N`` (the last N
.pmaps), ``--up-to-context C`` / ``--after-context C`` (the .pmaps up to / from C),
else ``CRDS_CONTEXT``, else ``<obs>-latest``. Mapping closures and
reference names come from the server (``get_mapping_names``,
``get_reference_names``); crds reads the same names off the mappings it has
just fetched. ``--include-orphans`` adds the server's references no .pmap names.
GEIS references bring their conjugate (``x.r1h`` -> ``x.r1d``).
"""
from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..cache.server_config import is_mapping_name
from ..client import CrdsClient
from ..observatories import OBSERVATORIES
from ..tools.contexts import ContextChoice, pick_pmaps
from .errors import SyncError

#: Order mappings are written in, so a reader never finds a mapping whose children are missing.
MAPPING_ORDER = (".rmap", ".imap", ".pmap")
_GEIS = re.compile(r"\.r\d[hd]$")


@dataclass
class SyncOptions:
    contexts: Sequence[str] | None = None
    range: tuple[int, int] | None = None
    all: bool = False
    last: int | None = None
    up_to_context: str | None = None
    after_context: str | None = None
    #: Also the server's references no context names (crds's ``--include-orphans``).
    include_orphans: bool = False
    #: Remove the cache's sync lock and do nothing else (crds's ``--clear-locks``).
    clear_locks: bool = False
    files: Sequence[str] | None = None
    output_dir: str | None = None
    fetch_references: bool = False
    dataset_files: Sequence[str] | None = None
    dataset_ids: Sequence[str] | None = None
    purge_mappings: bool = False
    purge_references: bool = False
    check_files: bool = False
    check_sha1sum: bool = False
    repair_files: bool = False
    purge_rejected: bool = False
    purge_blacklisted: bool = False
    organize: str | None = None
    organize_delete_junk: bool = False
    readonly: bool = False
    observatory: str | None = None
    parallel: int = 8
    lock_timeout: float = 600.0
    force_config_update: bool = False
    #: An error when the context does not change (crds's ``--verify-context-change``).
    verify_context_change: bool = False
    #: Tell the server the final context for the pipeline of this key (crds's ``--push-context``).
    push_context: str | None = None
    verbose: bool = False
    #: Fetch every file again, even when in place (crds's ``-I/--ignore-cache``).
    ignore_cache: bool = False
    #: False: fetch only, never touch the cache config (``bestrefs --sync-references``).
    update_config: bool = True
    #: A cache root (``CRDS_PATH``) other than the environment's (``get-synphot``'s private cache).
    cache_root: str | None = None

    @property
    def checking(self) -> bool:
        return bool(self.check_files or self.check_sha1sum or self.repair_files or self.purge_rejected
                    or self.purge_blacklisted)

    @property
    def context_mode(self) -> bool:
        return bool(self.contexts or self.range or self.all or self.last or self.up_to_context
                    or self.after_context)


@dataclass
class SyncPlan:
    observatory: str
    contexts: list[str] = field(default_factory=list)
    mappings: list[str] = field(default_factory=list)  #: in write order: rmaps, imaps, pmaps
    references: list[str] = field(default_factory=list)
    explicit_files: bool = False


def choose_observatory(options: SyncOptions, client: CrdsClient, env=None) -> str:
    """``--hst/--jwst/--roman``, ``CRDS_OBSERVATORY``, an observatory in the server URL, the prefix of
    the named contexts or files, else the server's own (crds ends with its jwst default there, then
    refuses a server of another observatory; asking the server is what that check wants)."""
    env = os.environ if env is None else env
    for candidate in (options.observatory, env.get("CRDS_OBSERVATORY")):
        if candidate and candidate.strip().lower() not in ("", "none"):
            return _known(candidate.strip().lower())
    for name in OBSERVATORIES:
        if client.url and name in client.url.lower():
            return name
    for name in list(options.contexts or ()) + list(options.files or ()):
        prefix = os.path.basename(name).split("_", 1)[0].split("-", 1)[0].lower()
        if prefix in OBSERVATORIES:
            return prefix
    if client.serverless:
        raise SyncError("No CRDS server configured: set CRDS_SERVER_URL (sync downloads from a server)")
    info = client.call("get_server_info")
    name = info.get("observatory") if isinstance(info, dict) else None
    return _known(str(name or "jwst").lower())


def _known(name: str) -> str:
    if name not in OBSERVATORIES:
        raise SyncError(f"Unknown observatory {name!r}: one of {', '.join(OBSERVATORIES)}")
    return name


def resolve_name(client: CrdsClient, observatory: str, name: str) -> str:
    """A mapping or reference name as given, or a spec the server resolves: symbolic (``hst-operational``,
    ``jwst-nircam-flat-edit``) or date-based (``hst-2024-01-01T00:00:00``), as crds asks it."""
    base = os.path.basename(name.strip())
    if is_mapping_name(base) or "." in base:
        return base
    return str(client.call("get_context_by_date", base, observatory))


def server_pmaps(client: CrdsClient, observatory: str) -> list[str]:
    return sorted(client.call("list_mappings", observatory, "*.pmap"))


def choose_contexts(options: SyncOptions, client: CrdsClient, observatory: str, env=None) -> list[str]:
    env = os.environ if env is None else env
    if options.contexts:
        contexts = [resolve_name(client, observatory, c) for c in options.contexts]
    elif options.all or options.last or options.range or options.up_to_context or options.after_context:
        choice = ContextChoice(range=options.range, all=options.all, last=options.last,
                               up_to=options.up_to_context, after=options.after_context)
        contexts = pick_pmaps(choice, server_pmaps(client, observatory),
                              lambda spec: resolve_name(client, observatory, spec), f"the server {client.url}")
    elif env.get("CRDS_CONTEXT"):
        contexts = [resolve_name(client, observatory, env["CRDS_CONTEXT"])]
    else:
        contexts = [resolve_name(client, observatory, f"{observatory}-latest")]
    return sorted(dict.fromkeys(contexts))


def mapping_closure(client: CrdsClient, contexts: Sequence[str]) -> list[str]:
    names: set[str] = set()
    for context in contexts:
        names.update(str(n) for n in client.call("get_mapping_names", context))
    return ordered_mappings(names)


def context_references(client: CrdsClient, contexts: Sequence[str]) -> list[str]:
    names: set[str] = set()
    for context in contexts:
        names.update(str(n) for n in client.call("get_reference_names", context))
    return with_conjugates(n for n in names if not n.upper().startswith(("NOT FOUND", "N/A", "OMIT")))


def orphan_references(client: CrdsClient, observatory: str) -> list[str]:
    """The server's references no .pmap of the server names (crds's ``--include-orphans``)."""
    catalog = set(client.call("list_references", observatory, "*"))
    return sorted(catalog - set(context_references(client, server_pmaps(client, observatory))))


def with_conjugates(names) -> list[str]:
    """``names`` plus the other half of each GEIS pair (``.r1h`` <-> ``.r1d``)."""
    result = set(names)
    for name in list(result):
        if _GEIS.search(name):
            result.add(name[:-1] + ("d" if name.endswith("h") else "h"))
    return sorted(result)


def ordered_mappings(names) -> list[str]:
    """Mappings in write order: rmaps, then imaps, then pmaps (each sorted)."""
    return sorted(set(names), key=lambda n: (MAPPING_ORDER.index(os.path.splitext(n)[1])
                                             if os.path.splitext(n)[1] in MAPPING_ORDER else -1, n))


def explicit_files(client: CrdsClient, observatory: str, files: Sequence[str]) -> tuple[list[str], list[str]]:
    """``(mappings in write order, references)`` of ``--files`` (exactly those: no closure, as crds)."""
    names = [resolve_name(client, observatory, f) for f in files]
    return ordered_mappings(n for n in names if is_mapping_name(n)), \
        sorted({n for n in names if not is_mapping_name(n)})


def all_server_mappings(client: CrdsClient, observatory: str) -> list[str]:
    return ordered_mappings(client.call("list_mappings", observatory, "*.*map"))


def server_download_metadata(info: dict) -> dict[str, dict]:
    from ..client.envelope import crds_decode

    value = crds_decode(info.get("download_metadata") or {})
    return value if isinstance(value, dict) else {}

