"""File time order by name (reversion checks) against crds's ``naming.newer``."""
from __future__ import annotations

import itertools

import pytest

from crds_batch.certify.naming import newer

NAMES = ["s7g1700gl_dead.fits", "07g1700gl_dead.fits", "hst_cos_deadtab_0001.fits", "hst_cos_deadtab_0002.fits",
         "hst_cos_deadtab_0001.asdf", "hst_cos_deadtab_0050.fits", "hst_cos_deadtab_99991.fits",
         "16n1832tm_tmc.fits", "06n1832tm_tmc.fits", "z6n1832tm_tmc.fits", "N/A", "hst.pmap", "hst_0042.pmap",
         "jwst_miri_dark_0057.fits", "roman_wfi_flat_0004.asdf", "bbbbbb.fits", "x.r1h", "hst_acs_0001.imap"]


@pytest.mark.oracle
@pytest.mark.parametrize("name1,name2", list(itertools.permutations(NAMES, 2)))
def test_newer_matches_crds(name1, name2):
    from crds.core import naming

    from ..oracle import quiet_crds

    try:
        with quiet_crds():
            expected = naming.newer(name1, name2)
    except UnboundLocalError:  # crds crashes on pairs of classes it cannot order; we answer "not newer"
        expected = False
    assert newer(name1, name2) == expected
