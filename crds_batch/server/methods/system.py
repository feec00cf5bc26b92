"""``get_system_versions``: the calibration software versions of a release, from the context's SYSTEM CALVER
rules (CRDS user's guide, "Interface for Calibration S/W Versions": the CALVER reference selected by the
master version, its JSON content returned)."""
from __future__ import annotations

import datetime
import json
import re

from ...api import getrecommendations
from ...errors import CrdsBatchError
from ...observatories import get_observatory
from ..jsonrpc import OtherError
from . import params
from .context import get_context_by_date
from .registry import Call, rpc_method

#: The CALVER rmaps' match parameter (jwst_system_calver_*.rmap ``parkey``).
VERSION_KEYWORD = "META.CALIBRATION_SOFTWARE_VERSION"

#: What CRDS servers accept as a master version, and their error text for anything else.
_VERSION = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_BAD_VERSION = "Invalid version string,  must be 1-128 chars of A-Z, a-z, 0-9, ., -, _"

#: Context values meaning "the operational context" (the crds client sends ``str(None)``).
_DEFAULT_CONTEXTS = ("", "none", "null")


@rpc_method
def get_system_versions(call: Call, master_version, context=None) -> dict:
    """The JSON content of the CALVER reference ``context`` selects for ``master_version`` (today's date
    for the UseAfter part); ``context`` may be a name, symbolic, date-based, or "null" for operational."""
    version = params.text("master_version", master_version)
    if not _VERSION.match(version):
        raise OtherError(_BAD_VERSION)
    spec = params.text("context", context, optional=True)
    name = (call.state.operational_context() if (spec or "").strip().lower() in _DEFAULT_CONTEXTS
            else get_context_by_date(call, spec))
    observatory = get_observatory(call.state.observatory)
    now = datetime.datetime.now(datetime.timezone.utc)
    header = {observatory.instrument_keyword: "SYSTEM", VERSION_KEYWORD: version}
    header.update(zip(observatory.date_keywords, (now.strftime("%Y-%m-%d"), now.strftime("%H:%M:%S"))))
    try:
        chosen = getrecommendations(header, context=call.state.context_path(name), observatory=observatory.name,
                                    reftypes=["calver"]).get("calver")
    except CrdsBatchError as exc:
        raise OtherError(f"{name} selects no calibration software versions: {exc}") from None
    if not isinstance(chosen, str) or chosen.upper().startswith("NOT FOUND"):
        raise OtherError(f"{name} selects no calibration software versions for {version!r}: {chosen}")
    path = call.state.view.locate("references", chosen)
    if path is None:
        raise OtherError(f"{chosen} (the versions of {version!r} under {name}) is not in this server's cache")
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as exc:
        raise OtherError(f"Cannot read {chosen}: {exc}") from None
