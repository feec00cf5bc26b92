"""Seeded mutants of a crds ``.json`` save for the fuzz test (issue 17's adversarial campaign, saves part)."""
from __future__ import annotations

import json
import random
from dataclasses import dataclass

KINDS = ("byte_flip", "truncate", "non_utf8", "delete_line", "duplicate_line", "deep_nesting", "wrong_type",
         "long_id", "no_instrument", "foreign_line")


@dataclass(frozen=True)
class SaveMutant:
    kind: str
    data: bytes


def _mutate(rng: random.Random, kind: str, lines: list[str]) -> bytes:
    text = "\n".join(lines) + "\n"
    data = text.encode()
    if kind == "byte_flip":
        at = rng.randrange(len(data))
        return data[:at] + bytes([rng.randrange(256)]) + data[at + 1:]
    if kind == "truncate":
        return data[:rng.randrange(len(data))]
    if kind == "non_utf8":
        at = rng.randrange(len(data))
        return data[:at] + rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80"]) + data[at:]
    lines = list(lines)
    index = rng.randrange(len(lines))
    (dataset_id, header), = json.loads(lines[index]).items()
    if kind == "delete_line":
        del lines[index]
    elif kind == "duplicate_line":
        lines.insert(index, lines[index])
    elif kind == "deep_nesting":
        depth = rng.choice([10, 40, 1000, 5000])
        line = json.dumps({dataset_id: header})[:-2] + ', "DEEP": ' + "[" * depth + "]" * depth + "}}"
        lines[index] = line
    elif kind == "wrong_type":
        key = rng.choice(sorted(header))
        header[key] = rng.choice([5, 2.5, None, True, ["A", "B"], {"X": 1}])
        lines[index] = json.dumps({dataset_id: rng.choice([header, "archive error text", 7, None])})
    elif kind == "long_id":
        lines[index] = json.dumps({"Q" * rng.choice([1000, 1025, 5000]): header})
    elif kind == "no_instrument":
        header.pop("INSTRUME", None)
        lines[index] = json.dumps({dataset_id: header})
    elif kind == "foreign_line":
        lines.insert(index, json.dumps({"JW1": {"META.INSTRUMENT.NAME": "NIRCAM", "META.EXPOSURE.TYPE": "NRC_IMAGE",
                                                "META.OBSERVATION.DATE": "2023-01-01"}}))
    return ("\n".join(lines) + "\n").encode()


def save_mutants(lines: list[str], seed: int, count: int) -> list[SaveMutant]:
    rng = random.Random(seed)
    return [SaveMutant(KINDS[i % len(KINDS)], _mutate(rng, KINDS[i % len(KINDS)], lines)) for i in range(count)]
