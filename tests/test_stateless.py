"""Estimators keep no per-call state: estimating leaves the instance's attributes as the
constructor set them, and one instance shared by threads gives the numbers of separate
instances (a discrete-label call and a continuous call interleaved)."""

import threading

import numpy as np
import pytest

from infolens.registry import get_estimator

PARAMS = {
    "sliced": dict(n_projections=30, k=3),
    "max-sliced": dict(n_candidates=8, n_iter=1, n_offspring=4, k=3),
    "compressed": dict(dim=2),
}


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 4))
    y = x[:, :3] + 0.7 * rng.normal(size=(300, 3))
    labels = (x[:, 0] > 0).astype(int) + 2 * (x[:, 1] > 0.5).astype(int)
    return x, y, labels


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_estimate_leaves_the_instance_as_constructed(name):
    x, y, labels = _data()
    est = get_estimator(name, random_state=1, **PARAMS[name])
    before = dict(vars(est))
    est.estimate(x, labels)
    est.estimate(x, y)
    assert vars(est) == before


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_one_instance_shared_by_threads_gives_the_numbers_of_two(name):
    x, y, labels = _data()
    inputs = [(x, labels), (x, y)] * 3
    separate = [get_estimator(name, random_state=1, **PARAMS[name]).estimate(a, b).mi for a, b in inputs]
    shared = get_estimator(name, random_state=1, **PARAMS[name])
    out: list[float | None] = [None] * len(inputs)
    errors: list[BaseException] = []
    start = threading.Barrier(len(inputs))

    def work(i: int) -> None:
        start.wait()
        try:
            out[i] = shared.estimate(*inputs[i]).mi
        except BaseException as e:  # collected and re-raised in the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(inputs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert out == separate


def test_sliced_projections_work_before_any_estimate():
    est = get_estimator("sliced", n_projections=5, proj_dim=1)
    A, B = est.projections(4, 3, np.random.default_rng(0))
    assert A.shape == (5, 4, 1) and B.shape == (5, 3, 1)
    A, B = est.projections(4, 1, np.random.default_rng(0), y_discrete=True)
    assert A.shape == (5, 4, 1) and B is None
