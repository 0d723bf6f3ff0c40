"""The 95% interval of ``method="auto"``: the chosen candidate's, widened by the uncertainty of
the choice itself.

The chosen estimator's interval states its sampling error only. Off the benchmark suite it
covered the truth in 72-80% of runs: the misses were biases of the chosen estimator that its
error bar leaves out, and in each the evidence auto already holds pointed at them. Seven
rules, each reading that evidence (no distribution's name, no tuned constant):

* **The model check's gap** (a copula model chosen for dependence that the Gaussian
  copula's own checks find non-Gaussian, :mod:`._copula_check`): KSG reads
  ``ksg_data`` on the data and ``ksg_model`` on data simulated from the model; the same
  estimator on the same n and dimensions carries the same bias on both, so the gap
  ``ksg_data - ksg_model`` is the model's own error as KSG sees it. A model accepted within
  the check's tolerance may still be off by that gap: the interval is the hull of the
  model's interval and that interval moved by the gap (a t-copula 0.691 for a Gumbel copula's
  0.724 at n = 20,000, gap +0.026; a t-copula 0.172 for a mixture's 0.197, gap +0.026).
* **The check's own error** (the same case): the gap is the difference of two KSG values,
  each with its standard error, so the model's error is known to within ``Z95`` times their
  combined error and no better; the interval is the hull with the estimate moved by the gap
  plus or minus that error, combined with the model's own (a Gaussian copula kept for a
  Frank copula at n = 5000 read 0.226 for 0.258, gap +0.001 with an error of 0.021: its
  interval [0.210, 0.244] missed the truth, now [0.183, 0.272]). The model's value and grade
  are unchanged: a check that passes says the model is consistent with the data to within
  the check's resolution, and the interval now says how wide that is.
* **The same, above only, for a Gaussian-looking copula**: the Gaussian closed form is a
  lower bound on the MI, and a check that passes vouches for it to within its resolution
  only; at weak dependence or few rows every copula's normal scores look Gaussian, so the
  look does not tell a model that holds from a check too weak to reject it. The interval
  reaches up to the value plus the gap (where positive) plus ``Z95`` times the combined error
  of the gap and the value; nothing is added below (a bound's misses lie above it). Measured
  (docs/benchmark.md, round twelve): two-cluster 1+1 mixtures at 0.02-0.08 nats (the
  Gaussian copula 40-68% low, gap +0.023-0.032) and Clayton copulas at n = 500-1000 are
  covered; the suite's Gaussian tasks, where the closed form is exact, get intervals about
  half as wide again above (its n = 1000 samples: median width 0.24 -> 0.38 of the estimate,
  coverage 92% -> 96%). Round eleven had left this out as doubling the width for no run more
  (both sides, as for a non-Gaussian model); above only, it covers.
* **Corroborating candidates** (:meth:`~._auto_evidence.Evidence.corroborators`): another
  family's estimate accepted as agreeing with the choice (within the corroboration
  tolerance) is a value the truth may equally be near; the interval reaches it (KSG 1.093 for
  |x| + noise at 1.064, InfoNCE 1.064 agreeing).
* **A lower bound on the MI with a label** (the held-out cross-entropy bounds in many
  dimensions): the MI lies between the bound and ``H(label)``, so the interval reaches up to
  ``H(label)`` (784-pixel images at sigma = 2-5 read 11-56% low; their range said so, their
  interval did not).
* **A trained or held-out lower bound above the choice** (InfoNCE, the probe, the classifier;
  not the Gaussian copula): the MI is at least about the bound, so the interval reaches the
  top of the bound's interval however little it lies above (four Gaussian classes in 6 dims
  at n = 5000: ross 1.145 [1.120, 1.169] for a truth of 1.170, the classifier's held-out
  bound 1.167 [1.129, 1.204]). Above by more than 10% the grade speaks too
  (:func:`._auto_evidence.label_readers_above`).
* **The floor under an estimator chosen above the low readers** (wkl or the diffusion
  estimator, chosen because it lies above every candidate known to read low): those
  candidates say where the truth is not below, the chosen one where it may be; the interval
  reaches down to the highest of them, to the bottom of its own interval (wkl 0.74 for 5+5
  clusters at 0.50, KSG 0.44 below; wkl 0.666 for a rotated 3+3 Clayton copula at 0.512,
  InfoNCE's 0.513 above the truth by less than its error).

* **The plug-in's bias correction** (two discrete sides): the Miller-Madow plug-in reads
  high with few rows per cell, the chance-corrected plug-in low under dependence; the truth
  lies between them, so the interval is the hull of both intervals (and of Grassberger's,
  the answer where they part) (30 levels copied with
  probability 0.3, n = 1000: Miller-Madow 0.71-0.77, its interval above the truth 0.493; the
  chance-corrected value 0.46-0.47). Where the two agree the hull adds nothing.

* **A class model or a held-out bound above ross** (one label side, 2+ continuous columns):
  the model reading above ross by more than 10% and two combined errors, or a bound (a lower
  bound on the MI) by more than 10%, says ross reads low there; the interval reaches the top
  of their intervals (ten Gaussian classes in 10 dims, n = 2000: ross 0.716, its
  interval below the truth 0.869; the class model 0.864).

Not added here: the small-sample shortfall (below ``SMALL_N`` rows of non-Gaussian or many-
dimensional dependence, the candidates have been measured agreeing up to
:data:`~._auto_rules.SMALL_SAMPLE_SHORTFALL` below the truth). Reaching up by it in every such
run covered the truth in 120 of 120 runs of the suite's n = 1000 samples at three times the
width (0.24 -> 0.75 of the estimate), where the estimates were within 10% in 80% of runs: a
bound on the worst case, not a 95% interval of this run. The grade states it, and the range
(open above) holds it.

Not added here: KSG's jackknife bias estimate (``jackknife_rise``). KSG's own interval now
carries it (its upper end adds the bias the rise implies, ``knn.rise_interval``), and an
interval built on KSG's starts from that one; adding it again here would count it twice (on
the suite's additive-noise tasks, where KSG reads 2-9% low, the rise was -0.007 and +0.023
nats over two seeds: about one standard error).

Measured on the standard suite and the off-suite set: docs/benchmark.md.
"""

from __future__ import annotations

import math
from typing import Any

from ..stats import Z95
from ._auto_evidence import Evidence, check_reach, label_bias_shown, label_readers_above


def bounds_above(ev: Evidence) -> list[str]:
    """The trained and held-out lower bounds (InfoNCE, the probe, the classifier; not the
    Gaussian copula, a bound for the population's correlations only, which its finite-sample
    bias in many dimensions can lift) that read above the chosen value: the truth is at
    least about their value, so the interval reaches the top of theirs (module docstring)."""
    c = ev.chosen
    return [k for k, r in ev.ran.items()
            if k != ev.choice and k not in ev.explained and k not in ev.refuted and r.bias == "lower-bound"
            and r.method != "gaussian-copula" and math.isfinite(r.mi) and r.mi > c.mi]


def auto_interval(ev: Evidence, h_label: float | None = None) -> tuple[tuple[float, float] | None, dict[str, Any]]:
    """``(interval, parts)``: the interval of the chosen candidate widened by the rules of the
    module docstring, and what each rule added (for ``diagnostics["interval"]``); ``h_label``:
    the label's entropy when one side is a label. None when the chosen candidate has no
    interval and no standard error."""
    c = ev.chosen
    res = c.result
    if res.ci is not None:
        lo, hi = float(res.ci[0]), float(res.ci[1])
    elif res.stderr is not None and math.isfinite(res.stderr):
        lo, hi = c.mi - Z95 * c.se, c.mi + Z95 * c.se
    else:
        return None, {}
    parts: dict[str, Any] = {"sampling": [lo, hi]}
    mc = ev.model_check
    if mc is not None and mc.model == ev.choice:
        # the gap is itself measured, with the error of two KSG values: the model's error is
        # known to within it and no better (module docstring, "the check's own error")
        gap, se_gap = mc.gap, mc.gap_se
        if not ev.gaussian:
            lo, hi = min(lo, lo + gap), max(hi, hi + gap)
            parts["model_gap"] = gap
            if math.isfinite(se_gap):
                half = Z95 * math.hypot(c.se, se_gap)
                lo, hi = min(lo, max(c.mi + gap - half, 0.0)), max(hi, c.mi + gap + half)
                parts["model_gap_se"] = se_gap
        elif c.bias == "lower-bound" and math.isfinite(gap) and math.isfinite(se_gap):
            # a Gaussian-looking copula's closed form, a lower bound: the check vouches for it
            # to within its own resolution, above only (module docstring)
            top = check_reach(ev)
            if top > hi:
                hi = top
                parts["model_gap_se"] = se_gap
                if gap > 0:
                    parts["model_gap"] = gap
    reached = []
    for k in ev.plug_in_bracket or ():
        if k not in ev.ran or k == ev.choice:
            continue
        ci = ev.ran[k].ci95
        if math.isfinite(ci[0]) and math.isfinite(ci[1]) and (ci[0] < lo or ci[1] > hi):
            reached.append(k)
            lo, hi = min(lo, ci[0]), max(hi, ci[1])
    for k in label_readers_above(ev) + bounds_above(ev):
        top = ev.ran[k].ci95[1]
        if top > hi:
            reached.append(k)
            hi = top
    for k in ev.corroborators():
        v = ev.ran[k].mi
        if v < lo or v > hi:
            reached.append(k)
        lo, hi = min(lo, v), max(hi, v)
    if ev.highest_low_reader and c.bias not in ("lower-bound", "low"):
        low = [k for k, r in ev.ran.items() if k != ev.choice and r.bias in ("lower-bound", "low")]
        if low:
            floor = max(low, key=lambda k: ev.ran[k].mi)
            # down to the bound's own interval: a value that reads low is still a measurement
            bottom = ev.ran[floor].ci95[0] if math.isfinite(ev.ran[floor].ci95[0]) else ev.ran[floor].mi
            if bottom < lo:
                reached.append(floor)
            lo = min(lo, bottom)
    if label_bias_shown(ev):
        # ross's bias at these class sizes, measured on a Gaussian model of the classes: the
        # interval reaches the value less that bias, with the check's own error (1-D classes
        # with overlapping means, 200 of them at 10-40 rows each: ross +12-19%, its interval
        # above the truth in 3 of 4 runs)
        lc = ev.label_check
        fixed = c.mi - lc.bias
        lo, hi = min(lo, fixed - Z95 * math.hypot(c.se, lc.se)), max(hi, fixed + Z95 * math.hypot(c.se, lc.se))
        parts["label_bias"] = lc.bias
    if ev.lower_bound and h_label is not None and h_label > hi:
        # the answer is a lower bound on I(X; label) <= H(label): the MI lies between them
        hi = h_label
        parts["h_label"] = h_label
    if reached:
        parts["reaches"] = reached
    return (lo, hi), parts
