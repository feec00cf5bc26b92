"""Cache and context information: server info, default/dated contexts, history, closures, parkeys."""
from __future__ import annotations

import datetime
import fnmatch
import re

from ... import __version__
from ...errors import CrdsBatchError
from ...rules.mappings import PipelineContext
from ...tools import mapping_tree
from ..jsonrpc import OtherError, crds_encode
from . import params
from .files import download_metadata
from .registry import Call, rpc_method

#: Fields of a cache's server_config that the crds client sets itself on receipt.
_CLIENT_FIELDS = ("status", "connected", "server")


def operational_context(call: Call) -> str:
    return call.state.operational_context()


def download_urls(call: Call) -> dict[str, dict[str, str]]:
    """The ``*_url`` fields: where this server serves each component's files."""
    obs = call.state.observatory
    return {f"{kind}_url": {obs: f"{call.base_url}/unchecked_get/{component}/{obs}/"}
            for kind, component in (("mapping", "mappings"), ("reference", "references"), ("config", "config"))}


@rpc_method
def get_server_info(call: Call) -> dict:
    """The cache's server_config, refreshed: this server's URLs, the files it holds and their digests."""
    state = call.state
    raw = dict(state.view.server_config().raw)
    for name in _CLIENT_FIELDS:
        raw.pop(name, None)
    raw.pop("pickle_url", None)  # pickles are not served
    context = operational_context(call)
    raw.update(download_urls(call))
    raw.update(
        observatory=state.observatory,
        operational_context=context,
        latest_context=context,
        edit_context=raw.get("edit_context") or context,
        versions_context=raw.get("versions_context") or "",
        context_history=list(raw.get("context_history") or []),
        bad_files_list=sorted(state.view.server_config().bad_files),
        mappings=state.view.mapping_names(),
        max_headers_per_rpc=state.max_per_rpc("max_headers_per_rpc"),
        max_bestrefs_per_rpc=state.max_per_rpc("max_bestrefs_per_rpc"),
        force_remote_mode=0,
        last_synced=state.view.config_written(),
        download_metadata=crds_encode(download_metadata(call)),
    )
    raw.setdefault("crds_version", {"str": __version__, "rev": "crds-batch", "svnurl": "/"})
    return raw


@rpc_method
def get_default_context(call: Call, observatory=None, state=None) -> str:
    """The operational context; ``state`` ``edit`` gives the edit context, ``versions`` the versions one."""
    call.state.check_observatory(observatory)
    state = params.text("state", state, optional=True)
    config = call.state.view.server_config()
    if state == "edit" and config.edit_context:
        return config.edit_context
    if state == "versions" and config.versions_context:
        return config.versions_context
    if state not in (None, "latest", "operational", "build", "edit", "versions"):
        raise OtherError(f"Unknown context state {state!r}")
    return operational_context(call)


@rpc_method
def get_build_context(call: Call, observatory=None, calver=None) -> str:
    """No build-context table is kept; the crds client then uses the latest context (and says so)."""
    call.state.check_observatory(observatory)
    raise OtherError(f"No build context is known for calibration software version {calver!r}")


@rpc_method
def get_context_history(call: Call, observatory=None) -> list:
    """``[[date, context, description], ...]`` newest first, from the cache's server_config."""
    call.state.check_observatory(observatory)
    return list(call.state.view.server_config().raw.get("context_history") or [])


_DATE_SPEC = re.compile(r"^(?:(?P<prefix>[a-z0-9_-]+?)-)?(?P<date>\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?)$",
                       re.IGNORECASE)


@rpc_method
def get_context_by_date(call: Call, date, observatory=None) -> str:
    """The context in use at a date: ``hst-2019-09-01T00:00:00`` -> pmap, ``hst-acs-<date>`` -> its imap,
    ``hst-acs-darkfile-<date>`` -> its rmap; symbolic names (``hst-operational``, and with an instrument
    and type ``hst-acs-darkfile-edit``, as CRDS servers resolve them) as the cache config says."""
    state = call.state
    state.check_observatory(observatory)
    spec = params.text("date", date).strip()
    match = _DATE_SPEC.match(spec)
    if match is None:
        symbolic = _SYMBOLIC_SPEC.match(spec.lower())
        if symbolic is None or not symbolic.group("path"):
            return call.state.context_path(spec).rsplit("/", 1)[-1]
        root = call.state.context_path(f"{symbolic.group('obs')}-{symbolic.group('state')}").rsplit("/", 1)[-1]
        return _descend(call, root, [k for k in symbolic.group("path").split("-") if k], spec)
    when = _parse_date(match.group("date"))
    parts = (match.group("prefix") or state.observatory).lower().split("-")
    if parts[0] != state.observatory or len(parts) > 3:
        raise OtherError(f"Bad date-based context {spec!r} for {state.observatory!r}")
    pmap = None
    for stamp, context, *_ in sorted(get_context_history(call), key=lambda entry: str(entry[0])):
        if _parse_date(str(stamp)) <= when:
            pmap = context
    if pmap is None:
        raise OtherError(f"No context was in use at {match.group('date')!r} (context history of {state.observatory})")
    return _descend(call, pmap, parts[1:], spec)


_SYMBOLIC_SPEC = re.compile(
    r"^(?P<obs>[a-z]+)(?P<path>(-[a-z0-9_]+){0,2}?)-(?P<state>operational|latest|edit|versions)$")


def _descend(call: Call, name: str, keys: list[str], spec: str) -> str:
    """From mapping ``name`` down the selectors by ``keys`` (an instrument, then a reference type)."""
    for key in keys:
        selector = _parsed_tree(call, name, mapping_tree.load_parsed).selector
        choices = {str(k).lower(): v for k, v in selector.items()} if isinstance(selector, dict) else {}
        child = choices.get(key)
        if not isinstance(child, str) or mapping_tree.is_special(child):
            raise OtherError(f"{spec!r}: {key!r} selects no mapping in {name} ({child!r})")
        name = child
    return name


def _parse_date(text: str) -> datetime.datetime:
    text = text.replace("T", " ").replace("t", " ").strip()
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise OtherError(f"Cannot read date {text!r}")


@rpc_method
def get_mapping_names(call: Call, context) -> list[str]:
    """The context and every mapping below it, read as text (checksums are the client's to verify,
    as crds sync does: a mapping with a bad checksum is still served)."""
    return sorted(_parsed_tree(call, context, mapping_tree.mapping_names))


@rpc_method
def get_reference_names(call: Call, context) -> list[str]:
    """Every reference named by the context's rules."""
    return sorted(_parsed_tree(call, context, mapping_tree.reference_names))


def _parsed_tree(call: Call, context, walk) -> set[str]:
    path = call.state.context_path(context)
    try:
        return walk(path)
    except CrdsBatchError as exc:
        raise OtherError(str(exc)) from None


@rpc_method
def get_required_parkeys(call: Call, context) -> dict[str, list[str]]:
    """``{instrument: [pmap parkeys..., the imap's required parameters...]}`` as crds computes it."""
    mapping = call.state.load_context(context)
    if not isinstance(mapping, PipelineContext):
        raise OtherError(f"get_required_parkeys needs a .pmap, not {mapping.basename!r}")
    result = {}
    for instrument in mapping.instruments:
        imap = mapping.child(instrument)
        if isinstance(imap, str):
            continue
        result[instrument] = list(mapping.parkey) + imap.required_parkeys()
    return result


@rpc_method
def list_mappings(call: Call, observatory=None, glob_pattern="*") -> list[str]:
    call.state.check_observatory(observatory)
    pattern = params.text("glob_pattern", glob_pattern)
    return [name for name in call.state.view.mapping_names() if fnmatch.fnmatchcase(name, pattern)]


@rpc_method
def list_references(call: Call, observatory=None, glob_pattern="*") -> list[str]:
    call.state.check_observatory(observatory)
    pattern = params.text("glob_pattern", glob_pattern)
    return sorted(name for name in call.state.view.reference_paths() if fnmatch.fnmatchcase(name, pattern))


@rpc_method
def push_remote_context(call: Call, observatory, kind, key, context) -> None:
    """Remember the context a pipeline says its cache uses (kept in memory, as long as the server runs)."""
    call.state.check_observatory(observatory)
    kind = params.text("kind", kind)
    pipeline = params.text("key", key)  # real servers map a secret key to a pipeline name; here the key is the name
    name = call.state.context_path(context).rsplit("/", 1)[-1]
    with call.state.lock:
        call.state.remote_contexts[(kind, pipeline)] = name
    return None


@rpc_method
def get_remote_context(call: Call, observatory, pipeline_name) -> str:
    """The context last pushed by ``pipeline_name``."""
    call.state.check_observatory(observatory)
    pipeline = params.text("pipeline_name", pipeline_name)
    with call.state.lock:
        for kind in ("latest", "operational"):
            if (kind, pipeline) in call.state.remote_contexts:
                return call.state.remote_contexts[(kind, pipeline)]
    raise OtherError(f"Pipeline {pipeline!r} has not pushed a context to this server")
