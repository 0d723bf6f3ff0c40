"""mi_matrix checks the rows of the whole table as feature_mi does: copied records and serial
dependence. The two tables built here serve the cluster's row-check tests too (test_distributed.py)."""

import numpy as np
import pandas as pd


def copied_table(n, seed):
    """``(df, copied)``: a (Gaussian, MI 0.511 with a), noise, noise2 on ``n`` rows, and the
    same table with its first ``n // 2`` rows copied once more at the end."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    df = pd.DataFrame({"a": a, "b": 0.8 * a + 0.6 * rng.normal(size=n), "noise": rng.normal(size=n),
                       "noise2": rng.normal(size=n)})
    return df, pd.concat([df, df.iloc[: n // 2]], ignore_index=True)


def serial_table(n, seed):
    """Columns a, an AR(1) at 0.98 in the order given, and b = 0.8 a + noise."""
    rng = np.random.default_rng(seed)
    ar = np.zeros(n)
    e = rng.normal(size=n)
    for i in range(1, n):
        ar[i] = 0.98 * ar[i - 1] + 0.2 * e[i]
    return pd.DataFrame({"a": ar, "b": 0.8 * ar + 0.6 * ar.std() * rng.normal(size=n)})


def test_matrix_checks_the_rows_like_the_feature_table():
    """Copied records (a third of the rows) made two independent noise columns read 0.17 nats
    and x vs 0.8x + noise 0.67 for 0.51, with no warning; the matrix now says so and, under
    method="auto", estimates on the distinct rows: the matrix of the table without the copies.
    Rows of an AR(1) at 0.98 in the order given: every pair's standard error widened."""
    from infolens.tables import mi_matrix

    df, copied = copied_table(3000, 0)
    got = mi_matrix(copied, random_state=0, warn=False)
    ref = mi_matrix(df, random_state=0, warn=False)
    assert [f.code for f in got.table_warnings] == ["repeated-rows"] and ref.table_warnings == []
    pd.testing.assert_frame_equal(got.mi, ref.mi)
    assert abs(got.mi.at["noise", "noise2"]) < 0.03
    ts = serial_table(3000, 1)
    m = mi_matrix(ts, random_state=0, warn=False)
    (f,) = m.table_warnings
    assert f.code == "serial-dependence" and "column 'a'" in f
    shuffled = mi_matrix(ts.sample(frac=1.0, random_state=1).reset_index(drop=True), random_state=0, warn=False)
    assert shuffled.table_warnings == []
    # AR(1) at 0.98: the factor sqrt((1 + r) / (1 - r)) is about 10
    assert m.stderr.at["a", "b"] > 4 * shuffled.stderr.at["a", "b"]
