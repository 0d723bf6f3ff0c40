"""A realistic table with the traps of real data and a known answer, for tests, benchmarks
and the documentation: :func:`trap_table`."""

from __future__ import annotations

from typing import Any

import numpy as np

#: the columns the label depends on (in trap_table), strongest first by construction
SIGNALS = ("income", "plan", "tenure_months")
#: columns independent of the label
NOISE = ("customer_id", "age", "city", "is_member", "signup_date", "score", "last_visit")


def trap_table(n: int = 5000, seed: int = 0) -> Any:
    """A DataFrame of ``n`` customers and a binary ``label`` that depends on three columns.

    ========================  =====================================================  ==========
    column                    what                                                   label
    ========================  =====================================================  ==========
    ``customer_id``           unique string per row (``C004211``)                    independent
    ``age``                   integer 18-80                                          independent
    ``income``                log-normal float                                       signal
    ``plan``                  string, 4 levels                                       signal
    ``tenure_months``         float with 8% missing (NaN)                            signal
    ``city``                  categorical with 1,000 levels (about 5 rows each)      independent
    ``is_member``             boolean                                                independent
    ``signup_date``           datetime64                                             independent
    ``last_visit``            dates as text (``2023-04-17``)                         independent
    ``score``                 float rounded to 0.1 (ties)                            independent
    ========================  =====================================================  ==========

    ``label`` (0/1) is a logistic draw on ``1.2 z(log income) + plan effect + 0.9
    z(tenure)``; rows with a missing tenure use the mean tenure in the label model.
    """
    import pandas as pd

    rng = np.random.default_rng(seed)
    income = np.exp(rng.normal(10.5, 0.6, n))
    plan = rng.choice(np.array(["basic", "plus", "pro", "family"]), n, p=[0.4, 0.3, 0.2, 0.1])
    plan_effect = pd.Series(plan).map({"basic": -0.8, "plus": 0.0, "pro": 0.9, "family": 0.4}).to_numpy()
    tenure = rng.gamma(2.0, 12.0, n)
    z_inc = (np.log(income) - np.log(income).mean()) / np.log(income).std()
    z_ten = (tenure - tenure.mean()) / tenure.std()
    logit = 1.2 * z_inc + plan_effect + 0.9 * z_ten
    label = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    tenure_obs = tenure.copy()
    tenure_obs[rng.random(n) < 0.08] = np.nan
    start = np.datetime64("2019-01-01")
    signup = start + rng.integers(0, 4 * 365, n).astype("timedelta64[D]")
    last_visit = (np.datetime64("2024-01-01") + rng.integers(0, 365, n).astype("timedelta64[D]")).astype(str)
    ids = np.array([f"C{i:06d}" for i in rng.permutation(n)])
    return pd.DataFrame(
        {
            "customer_id": ids,
            "age": rng.integers(18, 81, n),
            "income": np.round(income, 2),
            "plan": plan,
            "tenure_months": np.round(tenure_obs, 1),
            "city": pd.Categorical([f"city_{c:04d}" for c in rng.integers(0, 1000, n)]),
            "is_member": rng.random(n) < 0.3,
            "signup_date": pd.to_datetime(signup),
            "last_visit": last_visit,
            "score": np.round(rng.normal(size=n), 1),
            "label": label,
        }
    )
