"""Seeded mutants of real mappings for the fuzz test: byte flips, truncation, non-UTF-8, deleted and
duplicated lines, arithmetic, deep nesting, cycles and wrong types (issue 17's adversarial campaign).
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass

from tests.conftest import CACHE

#: Real mappings of every kind and observatory the mutants start from (small ones: crds is slow).
SEEDS = (
    "hst/hst_0729.pmap", "hst/hst_acs_0421.imap", "hst/hst_acs_darkfile_0250.rmap",
    "hst/hst_cos_bpixtab_0255.rmap", "jwst/jwst_0541.pmap", "jwst/jwst_nircam_0120.imap",
    "jwst/jwst_nircam_tsophot_0002.rmap", "roman/roman_0004.pmap", "roman/roman_wfi_flat_0004.rmap",
)


@dataclass(frozen=True)
class Mutant:
    seed_name: str
    kind: str
    data: bytes

    @property
    def name(self) -> str:
        return self.seed_name.rsplit("/", 1)[-1]


def _strings(text: str) -> list[re.Match]:
    return list(re.finditer(r"'[^'\n]*'", text))


def _replace_string(rng: random.Random, text: str, make) -> str:
    strings = _strings(text)
    if not strings:
        return text
    match = rng.choice(strings)
    return text[:match.start()] + make(match.group(0)) + text[match.end():]


def _set_header(text: str, key: str, value: str) -> str:
    return re.sub(rf"'{key}' : [^\n]*,", f"'{key}' : {value},", text, count=1)


def _mutate(rng: random.Random, kind: str, text: str, name: str) -> bytes:
    data = text.encode()
    if kind == "byte_flip":
        position = rng.randrange(len(data))
        return data[:position] + bytes([rng.randrange(256)]) + data[position + 1:]
    if kind == "truncate":
        return data[:rng.randrange(len(data))]
    if kind == "non_utf8":
        position = rng.randrange(len(data))
        return data[:position] + rng.choice([b"\xff", b"\xc3", b"\x80\x80", b"\xed\xa0\x80"]) + data[position:]
    lines = text.splitlines(True)
    if kind == "delete_line":
        del lines[rng.randrange(len(lines))]
        return "".join(lines).encode()
    if kind == "duplicate_line":
        index = rng.randrange(len(lines))
        lines.insert(index, lines[index])
        return "".join(lines).encode()
    if kind == "arithmetic":
        forms = ["{s} + 'x'", "{s} + 'x' * 3000000000", "'x' * 3", "1 + 1", "-{s}", "+1", "not 0",
                 " + ".join(["'a'"] * 900), "2 ** 10", "{s} % 2"]
        return _replace_string(rng, text, lambda s: rng.choice(forms).format(s=s)).encode()
    if kind == "deep_nesting":
        depth = rng.choice([20, 99, 150, 250, 1000, 5000])
        opener, closer = rng.choice([("(", ")"), ("[", "]"), ("{'k': ", "}"), ("-", ""), ("not ", "")])
        return _replace_string(rng, text, lambda s: opener * depth + s + closer * depth).encode()
    if kind == "wrong_type":
        options = [
            lambda t: _set_header(t, "instrument", "'REFERENCE'"),
            lambda t: _set_header(t, "filekind", "{}"),
            lambda t: _set_header(t, "observatory", "'MARS'"),
            lambda t: _set_header(t, "observatory", "5"),
            lambda t: _set_header(t, "parkey", "'DETECTOR'"),
            lambda t: _replace_string(rng, t, lambda s: "[1, 2]"),
            lambda t: _replace_string(rng, t, lambda s: "5"),
            lambda t: _replace_string(rng, t, lambda s: "None"),
            lambda t: _replace_string(rng, t, lambda s: repr(name)),  # names itself: a cycle
            lambda t: _replace_string(rng, t, lambda s: "x.pmap" if "map" in s else s),
            lambda t: t.replace("{", "{[1]: 2, ", 1),
        ]
        return rng.choice(options)(text).encode()
    raise ValueError(kind)


KINDS = ("byte_flip", "truncate", "non_utf8", "delete_line", "duplicate_line", "arithmetic",
         "deep_nesting", "wrong_type")


def mutants(seed: int, count: int) -> list[Mutant]:
    """``count`` mutants, the same for the same seed: kinds in turn, seeds at random."""
    rng = random.Random(seed)
    texts = {name: (CACHE / "mappings" / name).read_text() for name in SEEDS}
    found = []
    for index in range(count):
        kind = KINDS[index % len(KINDS)]
        seed_name = rng.choice(SEEDS)
        found.append(Mutant(seed_name, kind, _mutate(rng, kind, texts[seed_name], seed_name.split("/")[-1])))
    return found
