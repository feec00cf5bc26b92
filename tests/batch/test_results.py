"""Affected products as crds prints them: first ':' field, lower case, unique, sorted by code point."""
from __future__ import annotations

import random

from crds_batch.batch.results import affected_products


def _python_products(ids):
    return sorted({dataset_id.split(":")[0].lower() for dataset_id in ids})


def test_affected_products_equal_python_rule():
    rng = random.Random(3)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz0123456789_:-"
    ids = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(5000)]
    assert affected_products(ids) == _python_products(ids)


def test_affected_products_with_non_ascii_ids_and_none():
    ids = ["J8BT09JCQ:J8BT09JCQ", "İX:1", "ÉTÉ:2", "a:b", "A"]
    assert affected_products(ids) == _python_products(ids)
    assert affected_products([]) == []


def test_affected_products_whatever_the_places_of_the_colons():
    rng = random.Random(5)
    hst = [f"J{rng.randrange(36**7):07X}Q:J{rng.randrange(36**7):07X}Q" for _ in range(3000)]
    assert affected_products(hst) == _python_products(hst)  # one place: sliced at once
    many = ["x" * rng.randint(0, 40) + rng.choice([":", ""]) + "Y" * rng.randint(0, 3) for _ in range(3000)]
    assert len({dataset_id.find(":") for dataset_id in many}) > 16  # too many places: split instead
    assert affected_products(many) == _python_products(many)
    assert affected_products([":a", "", "B:", "b"]) == ["", "b"]


def test_affected_products_of_ids_in_order_equal_python_rule():
    """A partition's ids come in id order: neighbours give the distinct products. Ids not in order once
    lower-cased (mixed case, '_' between upper and lower case) or not sorted at all take the hashing path."""
    rng = random.Random(11)
    products = [f"J{rng.randrange(16**6):06X}010" for _ in range(1500)]  # one length: in id order
    in_order = sorted(f"{product}:J{rng.randrange(16**7):07X}Q"
                      for product in products for _ in range(rng.randint(1, 4)))
    expected = _python_products(in_order)
    assert len(expected) < len(in_order)  # products repeat: several exposures each
    assert affected_products(in_order) == expected
    assert affected_products(in_order[::-1]) == expected
    mixed = sorted(["AB:1", "AB:2", "Ab:1", "A_:1", "ab:3", "a:1", "B"])  # ascending, not once lower-cased
    assert affected_products(mixed) == _python_products(mixed)
    assert affected_products(["X:1"]) == ["x"]
