"""Benchmark figures (matplotlib ``Figure`` objects, no pyplot): the heatmap of log(estimate/truth) per task x
estimator (as in the Beyond Normal paper), estimate vs N with error bars against the truth
line, and time per estimator."""

from __future__ import annotations

import numpy as np

from ..plotting import colormap, subplots


def heatmap(task_tab, value: str = "log_ratio", limit: float = 1.0):
    """Tasks (rows) x estimators (columns), colour = log(mean estimate / truth) clipped to
    +-``limit`` (diverging: blue under-, red over-estimates); cells print the mean estimate;
    the truth is printed next to each task name. Grey cells: the job failed, the estimate is <= 0,
    or the truth is 0 (independence; the cell still prints the estimate)."""
    tasks = list(dict.fromkeys(task_tab["task"]))
    labels = sorted(task_tab["label"].unique())
    mat = np.full((len(tasks), len(labels)), np.nan)
    est = np.full_like(mat, np.nan)
    truth = task_tab.groupby("task")["truth"].first()
    for _, r in task_tab.iterrows():
        i, j = tasks.index(r["task"]), labels.index(r["label"])
        mat[i, j], est[i, j] = r[value], r["mean"]
    fig, ax = subplots(figsize=(1.2 + 0.9 * len(labels) + 3.5, 0.8 + 0.32 * len(tasks)))
    cmap = colormap("RdBu_r").with_extremes(bad="#cccccc")
    im = ax.imshow(np.clip(mat, -limit, limit), cmap=cmap, vmin=-limit, vmax=limit, aspect="auto")
    failed = np.zeros(mat.shape, dtype=bool)
    if "seeds" in task_tab:
        for _, r in task_tab.iterrows():
            failed[tasks.index(r["task"]), labels.index(r["label"])] = r["seeds"] == 0
    for i in range(len(tasks)):
        for j in range(len(labels)):
            if np.isfinite(est[i, j]):
                ax.text(j, i, f"{est[i, j]:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if abs(np.nan_to_num(mat[i, j])) > 0.6 * limit else "black")
            elif failed[i, j]:
                ax.text(j, i, "failed", ha="center", va="center", fontsize=7, color="#666666")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(tasks)), [f"{t}  ({truth[t]:.2f})" for t in tasks], fontsize=7)
    ax.set_title(f"log(estimate / truth), N = {int(task_tab['n'].iloc[0])} (cell: mean estimate, nats)", fontsize=9)
    fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02)
    return fig


def estimate_vs_n(tidy, tasks: list[str] | None = None, max_tasks: int = 12):
    """One panel per task: mean estimate +- sd over seeds against N, per estimator, with the
    true MI as a dashed line."""
    tasks = tasks or list(dict.fromkeys(tidy["task"]))[:max_tasks]
    ncol = min(3, len(tasks))
    nrow = int(np.ceil(len(tasks) / ncol))
    fig, axes = subplots(nrow, ncol, figsize=(4.2 * ncol, 3.2 * nrow), squeeze=False)
    labels = sorted(tidy["label"].unique())
    for ax, task in zip(axes.ravel(), tasks):
        sub = tidy[tidy["task"] == task]
        for k, label in enumerate(labels):
            g = sub[sub["label"] == label].groupby("n")["estimate"].agg(["mean", "std"]).reset_index()
            if g.empty:
                continue
            ax.errorbar(g["n"] * (1 + 0.03 * (k - len(labels) / 2)), g["mean"], yerr=g["std"].fillna(0),
                        marker="o", ms=3, capsize=2, lw=1, label=label)
        truth = sub["truth"].dropna()
        if len(truth):
            ax.axhline(truth.iloc[0], color="k", ls="--", lw=1, label="truth")
        ax.set_xscale("log")
        ax.set_title(task, fontsize=8)
        ax.set_xlabel("N")
        ax.set_ylabel("I (nats)")
    for ax in axes.ravel()[len(tasks):]:
        ax.axis("off")
    handles, names = axes.ravel()[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=min(6, len(names)), fontsize=8, bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def time_per_estimator(tidy):
    """Seconds per estimate (median and IQR over jobs) per estimator and N, log scale."""
    ok = tidy[tidy["estimator_seconds"].notna()]
    labels = sorted(ok["label"].unique())
    ns = sorted(ok["n"].unique())
    fig, ax = subplots(figsize=(1.5 + 0.8 * len(labels), 3.5))
    width = 0.8 / max(len(ns), 1)
    for k, n in enumerate(ns):
        q = [ok[(ok["label"] == lab) & (ok["n"] == n)]["estimator_seconds"].quantile([0.25, 0.5, 0.75]).to_numpy()
             if ((ok["label"] == lab) & (ok["n"] == n)).any() else np.full(3, np.nan) for lab in labels]
        q = np.array(q)
        x = np.arange(len(labels)) + (k - (len(ns) - 1) / 2) * width
        ax.bar(x, q[:, 1], width=width, yerr=[q[:, 1] - q[:, 0], q[:, 2] - q[:, 1]], capsize=2, label=f"N={n}")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("seconds per estimate")
    ax.legend(fontsize=8)
    ax.set_title("time per estimator (median, IQR over tasks and seeds)", fontsize=9)
    fig.tight_layout()
    return fig


def auto_choices(tidy):
    """``method="auto"``: its error per task (mean over seeds, nats), each bar coloured by the
    estimator it chose most often for that task, with the trust verdicts counted in the label."""
    sub = tidy[(tidy["estimator"] == "auto") & tidy["estimate"].notna()]
    n = int(sub["n"].max())
    sub = sub[sub["n"] == n]
    tasks = list(dict.fromkeys(sub.sort_values("task")["task"]))
    rows = []
    for t in tasks:
        g = sub[sub["task"] == t]
        choice = g["choice"].mode().iloc[0] if g["choice"].notna().any() else "?"
        trust = ", ".join(f"{k} {v}" for k, v in g["trust"].value_counts().items())
        rows.append((t, float((g["estimate"] - g["truth"]).mean()), choice, trust))
    choices = sorted({r[2] for r in rows})
    palette = colormap("tab10")
    colour = {c: palette(i % 10) for i, c in enumerate(choices)}
    fig, ax = subplots(figsize=(9.0, 0.9 + 0.28 * len(rows)))
    ax.barh(range(len(rows)), [r[1] for r in rows], color=[colour[r[2]] for r in rows])
    ax.axvline(0.0, color="black", lw=0.8)
    ax.set_yticks(range(len(rows)), [f"{r[0]}  [{r[3]}]" for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("mean estimate - truth (nats)")
    ax.set_title(f"method='auto', N = {n}: error per task, coloured by the estimator it chose", fontsize=9)
    for c in choices:
        ax.bar(0, 0, color=colour[c], label=c)
    ax.legend(fontsize=7, loc="lower right")
    return fig
