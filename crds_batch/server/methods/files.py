"""File facts: download metadata, ``get_file_info``, ``get_file_info_map``."""
from __future__ import annotations

from ..jsonrpc import OtherError
from . import params
from .registry import Call, rpc_method

#: What ``get_file_info_map`` says for a file the server does not hold (crds sync compares to it).
NOT_FOUND = "NOT FOUND"


def download_metadata(call: Call) -> dict[str, dict[str, str]]:
    """``{name: {"size": "123", "sha1sum": hex | "none"}}`` of every served file, as ``download_metadata``
    carries it (references not hashed yet say ``none``; see :meth:`CacheView.facts`)."""
    return {name: {"size": str(facts.size), "sha1sum": facts.sha1sum}
            for name, facts in call.state.view.facts(hash_references=False).items()}


def _file_infos(call: Call, names: list[str] | None) -> dict[str, dict[str, str]]:
    """Facts of the named files (hashed now if needed), or of every file (unhashed references: ``none``)."""
    view = call.state.view
    bad = view.server_config().bad_files
    mappings = set(view.mapping_names())
    infos = {}
    for name, facts in view.facts(names, hash_references=names is not None).items():
        infos[name] = {
            "name": name,
            "observatory": view.observatory,
            "type": "mapping" if name in mappings else "reference",
            "size": str(facts.size),
            "sha1sum": facts.sha1sum,
            "state": "archived",
            "blacklisted": "true" if name in bad else "false",
            "rejected": "false",
        }
    return infos


@rpc_method
def get_file_info_map(call: Call, observatory=None, files=None, fields=None) -> dict:
    """``{name: {field: str} | "NOT FOUND"}`` for ``files`` (every served file when null)."""
    call.state.check_observatory(observatory)
    names = params.text_list("files", files, optional=True)
    wanted = params.text_list("fields", fields, optional=True)
    infos = _file_infos(call, names)
    result: dict = {}
    for name in (names if names is not None else sorted(infos)):
        info = infos.get(name)
        if info is None:
            result[name] = NOT_FOUND
        else:
            result[name] = {field: info.get(field, "none") for field in wanted} if wanted is not None else info
    return result


@rpc_method
def get_file_info(call: Call, context, filename) -> dict:
    """The facts of one served file (``context`` is checked, as CRDS servers require one)."""
    call.state.context_path(context)
    name = params.text("filename", filename)
    info = _file_infos(call, [name]).get(name)
    if info is None:
        raise OtherError(f"File {name!r} is not known to this server")
    return info
