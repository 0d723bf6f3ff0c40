"""A worker killed mid-run: the result still completes with every column, and the columns
finished before the kill are kept (in the caller and in the checkpoint file, once each).
A run stopped as a whole resumes from its checkpoint without redoing finished columns.

The cluster is a real ``LocalCluster`` of 2 worker processes (1 thread, 1 GiB each) whose
nannies restart a killed worker. Not timing-dependent: the kill happens when the first
column's row arrives (12 columns of ~0.1 s each are then still queued or running on 2
single-threaded workers), and every number is seeded, so the rows after the kill equal
those of an undisturbed run whatever worker ran them.
"""

import json
import os
import signal

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

from infolens.distributed import feature_mi


def table(n: int = 6_000, d: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    x = rng.normal(size=(n, d))
    df = pd.DataFrame(x, columns=[f"c{j:02d}" for j in range(d)])
    df["y"] = x[:, 0] + 0.5 * x[:, 1] + rng.normal(size=n)
    return df


@pytest.fixture(scope="module")
def reference(client):
    return feature_mi(dd.from_pandas(table(), npartitions=4), "y", scheduler=client, random_state=0, precision=None)


def test_worker_killed_mid_run(client, reference, tmp_path):
    ddf = dd.from_pandas(table(), npartitions=4)
    ckpt = tmp_path / "columns.jsonl"
    seen: list[str] = []
    killed = {}

    def kill_first(name: str, row: dict) -> None:
        seen.append(name)
        if not killed:
            pids = client.run(os.getpid)  # worker address -> pid
            addr, pid = sorted(pids.items())[0]
            os.kill(pid, signal.SIGKILL)
            killed.update(addr=addr, pid=pid, after=len(seen))

    got = feature_mi(ddf, "y", scheduler=client, random_state=0, precision=None, checkpoint=str(ckpt), on_column=kill_first)
    assert killed and killed["after"] == 1 and len(reference) == 12  # the kill came with 11 columns unfinished
    assert sorted(seen) == sorted(reference["feature"])  # every column arrived exactly once
    pd.testing.assert_frame_equal(got.drop(columns=["stderr", "ci_low", "ci_high", "warnings"]),
                                  reference.drop(columns=["stderr", "ci_low", "ci_high", "warnings"]))
    assert np.allclose(got["stderr"], reference["stderr"], rtol=0, atol=1e-12)
    keys = [json.loads(line)["key"] for line in ckpt.read_text().splitlines()]
    assert len(keys) == len(set(keys)) == 12
    assert list(got["feature"][:2]) == ["c00", "c01"]
    client.wait_for_workers(2, timeout=60)  # the nanny restarted the killed worker


def test_resume_from_checkpoint(client, reference, tmp_path):
    """A run stopped as a whole after six columns (the caller's callback raises, as a Ctrl-C
    would) leaves them in the checkpoint; the rerun takes them from there, computes the other
    six, and gives the undisturbed table."""
    df = table()
    ckpt = tmp_path / "columns.jsonl"

    class Stop(Exception):
        pass

    arrived: list[str] = []

    def stop_after_six(name: str, row: dict) -> None:
        arrived.append(name)
        if len(arrived) == 6:
            raise Stop

    with pytest.raises(Stop):
        feature_mi(dd.from_pandas(df, npartitions=4), "y", scheduler=client, random_state=0, precision=None,
                   checkpoint=str(ckpt), on_column=stop_after_six)
    computed: list[str] = []
    got = feature_mi(dd.from_pandas(df, npartitions=4), "y", scheduler=client, random_state=0, precision=None,
                     checkpoint=str(ckpt), on_column=lambda name, row: computed.append(name))
    assert sorted(got.attrs["resumed"]) == sorted(arrived) and len(arrived) == 6
    assert sorted(arrived + computed) == [f"c{j:02d}" for j in range(12)]
    pd.testing.assert_frame_equal(got.drop(columns=["warnings"]), reference.drop(columns=["warnings"]), check_exact=False, rtol=0, atol=1e-12)
    assert len(ckpt.read_text().splitlines()) == 12
