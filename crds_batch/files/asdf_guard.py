"""Bounds on what reading an ASDF file's tree may cost, checked before the asdf library reads it.

An ASDF tree is YAML, and YAML aliases let a file of a few hundred bytes name a tree of billions
of nodes ("billion laughs"): asdf (and crds through it) walks every one and never finishes. The
YAML text is scanned here at the event level, which builds nothing, and the size of the tree the
aliases expand to is counted; a file past the bounds is refused in one line.
"""
from __future__ import annotations

import yaml

#: Bytes of YAML an ASDF tree may have (real dataset trees are kilobytes to a few megabytes).
MAX_TREE_BYTES = 64 << 20
#: Nodes the tree may expand to once aliases are followed (real dataset trees: thousands).
MAX_TREE_NODES = 2_000_000

_END_OF_TREE = b"\n...\n"
_BLOCK_MAGIC = b"\xd3BLK"


class TreeTooLarge(ValueError):
    """The ASDF tree is larger than the bounds allow."""


def yaml_tree(data: bytes) -> bytes | None:
    """The YAML document of ASDF file bytes (from ``%YAML`` to the end marker), or None if it has none."""
    start = data.find(b"%YAML")
    if start < 0:
        return None
    end = data.find(_END_OF_TREE, start)
    if end < 0:
        block = data.find(_BLOCK_MAGIC, start)
        end = block if block >= 0 else len(data)
    return data[start:end + 1]


def check_tree_size(path: str, max_bytes: int = MAX_TREE_BYTES, max_nodes: int = MAX_TREE_NODES) -> None:
    """Raise :class:`TreeTooLarge` if the ASDF file at ``path`` has a tree past ``max_bytes`` or ``max_nodes``.

    Counts nodes as the tree would be after aliases are expanded, without building it.
    """
    with open(path, "rb") as handle:
        data = handle.read(max_bytes + 1)
    tree = yaml_tree(data)
    if tree is None:
        return
    whole = len(data) <= max_bytes or _END_OF_TREE in data or _BLOCK_MAGIC in data
    if len(tree) > max_bytes or not whole:
        raise TreeTooLarge(f"ASDF tree larger than {max_bytes} bytes")
    expanded = _expanded_nodes(tree, max_nodes)
    if expanded > max_nodes:
        raise TreeTooLarge(f"ASDF tree expands to more than {max_nodes} nodes (YAML aliases)")


def _expanded_nodes(text: bytes, limit: int) -> int:
    """Nodes of the YAML document once every alias is replaced by what its anchor names (stops past ``limit``)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    anchors: dict[str, int] = {}
    open_nodes: list[list] = []  # [anchor, nodes so far] per open sequence/mapping
    total = 0

    def add(count: int) -> None:
        nonlocal total
        if open_nodes:
            open_nodes[-1][1] += count
        else:
            total += count

    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.ScalarEvent):
                if event.anchor:
                    anchors[event.anchor] = 1
                add(1)
            elif isinstance(event, yaml.AliasEvent):
                add(anchors.get(event.anchor, 1))
            elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                open_nodes.append([event.anchor, 1])
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                anchor, count = open_nodes.pop()
                if anchor:
                    anchors[anchor] = count
                add(count)
            if total > limit or (open_nodes and open_nodes[-1][1] > limit):
                return limit + 1
    except yaml.YAMLError:
        return total  # not YAML the scan understands: the asdf library reports it
    return total
