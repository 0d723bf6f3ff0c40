"""The composed families (infolens.distributions.composed): seeded, finite, and built of maps
that keep the MI (each side's chain of maps is inverted to the base's columns)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from infolens.distributions.base import Transformed
from infolens.distributions.composed import ROWS, composed_families, composed_family
from infolens.distributions.offsuite import SETS, offsuite_ids, offsuite_task


def test_a_family_depends_on_its_seed_and_index_alone():
    short = composed_families(5, seed=0)
    long = composed_families(40, seed=0)
    assert [e[0] for e in short] == [e[0] for e in long[:5]]
    assert [e[:2] for e in short] == [e[:2] for e in composed_families(5, seed=0)]
    assert [e[0] for e in composed_families(5, seed=1)] != [e[0] for e in short]
    x1, y1 = short[3][2]().sample(50, random_state=4)
    x2, y2 = composed_family(3, 0)[2]().sample(50, random_state=4)
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)


@pytest.mark.parametrize("which", ["composed", "composed-heldout", "composed-draw2", "composed-draw3"])
def test_every_family_samples_finite_rows_of_its_dimensions(which):
    ids = offsuite_ids(which)
    assert len(ids) == 40 and len(set(ids)) == 40 and all("," not in i for i in ids)
    for family_id in ids:
        sampler, n = offsuite_task(family_id)
        assert n in ROWS
        x, y = sampler.sample(200, random_state=0)
        x, y = np.asarray(x, float).reshape(200, -1), np.asarray(y, float).reshape(200, -1)
        assert x.shape[1] == sampler.dim_x and y.shape[1] == sampler.dim_y, family_id
        assert np.isfinite(x).all() and np.isfinite(y).all(), family_id
        assert math.isfinite(sampler.mi) and sampler.mi > 0, family_id


def test_the_maps_are_inverted_so_the_mi_is_the_bases():
    """MI is kept by injective maps of each side: every drawn chain maps the base's rows and
    back to within 1e-4 (relative; the residual block is inverted by fixed-point iteration), and the family's truth is its base's."""
    mapped = 0
    for family_id, _n, make in (SETS["composed"] + SETS["composed-heldout"] + SETS["composed-draw2"]
                                + SETS["composed-draw3"]):
        s = make()
        if not isinstance(s, Transformed):
            continue
        x, y = s.base.sample(300, random_state=1)
        assert s.mi == s.base.mi
        for t, v in ((s.transform_x, x), (s.transform_y, y)):
            v = np.asarray(v, float).reshape(300, -1)
            if type(t).__name__ == "Identity" or v.shape[1] == 0:
                continue
            back = t.inverse(t(v))
            assert np.allclose(back, v, rtol=1e-4, atol=1e-4 * (1 + np.abs(v).max())), family_id
            mapped += 1
    assert mapped >= 60
    # a task is found by its id across every set: no two families of any draws share one
    assert len(set(offsuite_ids("all"))) == len(offsuite_ids("all"))
