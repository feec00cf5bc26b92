"""The test environment is reproducible: constraints.txt pins everything the README's commands install.

A fresh machine once resolved a new pytest release that stopped collection; the README's commands and
.ci/run therefore install with `-c constraints.txt`, and these tests keep that true.
"""
from __future__ import annotations

import os
import re
import shlex
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO

CONSTRAINTS = REPO / "constraints.txt"


def pinned_versions() -> dict[str, str]:
    pins = {}
    for line in CONSTRAINTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", f"constraints.txt: {line!r} is not an exact pin"
            pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def installed_closure(root: str, extras: tuple[str, ...]) -> set[str]:
    """Every distribution that `pip install root[extras]` installs, from the installed metadata."""
    seen: set[str] = set()
    pending = [(root, extras)]
    while pending:
        name, wanted_extras = pending.pop()
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            environment = [{"extra": extra} for extra in wanted_extras or ("",)]
            if requirement.marker and not any(requirement.marker.evaluate(env) for env in environment):
                continue
            key = canonicalize_name(requirement.name)
            if key not in seen:
                seen.add(key)
                pending.append((requirement.name, tuple(requirement.extras)))
    return seen


def test_every_installed_dependency_is_pinned():
    missing = installed_closure("crds-batch", ("test",)) - set(pinned_versions())
    assert not missing, f"constraints.txt lacks pins for {sorted(missing)}: run .ci/update-constraints"


@pytest.mark.skipif(os.environ.get("CRDS_BATCH_TRY_NEWEST") == "1",
                    reason="trying the newest releases (.ci/update-constraints)")
def test_installed_versions_are_the_pinned_ones():
    pins = pinned_versions()
    wrong = {name: (metadata.version(name), pins.get(name))
             for name in installed_closure("crds-batch", ("test",)) if metadata.version(name) != pins.get(name)}
    assert not wrong, f"installed (version, pinned) differ: {wrong}; install with -c constraints.txt"


def readme_commands() -> list[str]:
    return re.findall(r"^    (pip install .*)$", (REPO / "README.md").read_text(), flags=re.M)


def test_readme_and_ci_install_with_the_constraints():
    commands = readme_commands()
    assert len(commands) == 2, commands
    for command in commands:
        words = shlex.split(command.split("&&")[0])
        assert words[words.index("-c") + 1] == "constraints.txt", command
    ci_installs = [line for line in (REPO / ".ci" / "run").read_text().splitlines()
                   if "pip install" in line and "-e" in line]
    assert ci_installs and all("-c constraints.txt" in line for line in ci_installs), ci_installs
