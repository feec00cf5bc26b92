"""Dates: spans from the rules, formats crds parses to the intended moment."""
from __future__ import annotations

import numpy as np

from crds_batch.observatories import get_observatory
import pytest

from crds_batch.synth import dates


def test_mission_span_ignores_placeholders():
    start, end = dates.mission_span(["1900-01-01 00:00:00", "2002-03-01 00:00:00", "2019-07-23 03:20:04"])
    assert start == np.datetime64("2002-03-01T00:00:00")
    assert end > np.datetime64("2019-07-23T03:20:04")


def test_draw_dates_respect_archetype_start_and_early_fraction():
    rng = np.random.default_rng(0)
    span = (np.datetime64("2002-01-01T00:00:00", "s"), np.datetime64("2020-01-01T00:00:00", "s"))
    minimum = np.full(2000, np.datetime64("2010-01-01T00:00:00", "s"))
    drawn = dates.draw_dates(rng, minimum, span, early_fraction=0.1)
    early = drawn < span[0]
    assert 0.05 < early.mean() < 0.15
    assert (drawn[~early] >= minimum[~early]).all() and (drawn <= span[1]).all()


def _moments(n=400):
    rng = np.random.default_rng(1)
    base = np.datetime64("1995-01-01T00:00:00", "s")
    return base + rng.integers(0, 30 * 365 * 86400, n).astype("timedelta64[s]")


@pytest.mark.oracle
@pytest.mark.parametrize("observatory", ["hst", "jwst", "roman"])
def test_every_format_parses_to_the_moment(observatory):
    from crds.core import timestamp

    moments = _moments()
    style = dates.date_style(get_observatory(observatory))
    rendered = dates.format_dates(np.random.default_rng(2), moments, style, odd_fraction=0.5)
    texts = [" ".join(str(rendered[key][i]) for key in style.keys) for i in range(len(moments))]
    for moment, text in zip(moments, texts):
        parsed = np.datetime64(timestamp.parse_date(text).replace(microsecond=0), "s")
        # Formats without seconds (HH:MM) lose them, nothing more.
        assert np.datetime64(moment, "m") <= parsed <= moment, text
