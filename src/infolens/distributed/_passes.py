"""Passes over a Dask DataFrame: a partition function per partition, one tree reduction,
and only the summaries travel. Each returns the combined summary, except :func:`row_sample`,
whose result stays on the cluster (a future the column tasks take as their input)."""

from __future__ import annotations

from typing import Any

from dask import delayed

from . import _stats as S


def _parts(ddf: Any, columns: list[str]) -> list[Any]:
    return list(ddf[columns].to_delayed())


def profile(client: Any, ddf: Any, columns: list[str]) -> dict[str, S.ColumnProfile]:
    parts = [delayed(S.profile_part, pure=True)(p, columns) for p in _parts(ddf, columns)]
    return client.compute(S.tree_reduce(parts, S.merge_profiles)).result()


def row_sample(client: Any, ddf: Any, columns: list[str], m: int, seed: int, n: int | None = None,
               by_content: list[str] | None = None) -> Any:
    """A future of the uniform random sample of ``m`` rows (random order); ``n``, the rows of
    the data when known, lets each partition send only the rows under :func:`~._stats.keep_share`;
    ``by_content``: the columns that make a row, whose content draws its key (copies of a record
    come together, :func:`~._stats.content_keys`)."""
    keep = 1.0 if n is None else S.keep_share(m, n)
    read = list(dict.fromkeys(columns + list(by_content or [])))
    parts = [delayed(S.sample_part, pure=True)(p, i, seed, m, columns, keep, by_content)
             for i, p in enumerate(_parts(ddf, read))]
    need = None if n is None else min(m, n)
    return client.compute(delayed(S.finish_sample, pure=True)(S.tree_reduce(parts, S.merge_samples, fan_in=4, m=m), need))


def counts(client: Any, ddf: Any, discrete: dict[str, list], target: str) -> dict[str, Any]:
    cols = list(discrete)
    parts = [delayed(S.counts_part, pure=True)(p, discrete, target) for p in _parts(ddf, cols)]
    return client.compute(S.tree_reduce(parts, S.add_dicts)).result()


def pair_counts(client: Any, ddf: Any, discrete: dict[str, list], pairs: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    cols = list(discrete)
    parts = [delayed(S.pair_counts_part, pure=True)(p, discrete, pairs) for p in _parts(ddf, cols)]
    return client.compute(S.tree_reduce(parts, S.add_dicts)).result()


def sketches(client: Any, ddf: Any, columns: list[str], q: int) -> dict[str, S.Sketch]:
    parts = [delayed(S.sketch_part, pure=True)(p, columns, q) for p in _parts(ddf, columns)]
    return client.compute(S.tree_reduce(parts, S.merge_sketches)).result()


def moments(
    client: Any, ddf: Any, columns: list[str], target: str, sketch_sets: list[dict[str, S.Sketch]] | None, n: int
) -> dict[str, Any]:
    cols = list(dict.fromkeys(columns + [target]))
    parts = [delayed(S.moments_part, pure=True)(p, columns, target, sketch_sets, n) for p in _parts(ddf, cols)]
    return client.compute(S.tree_reduce(parts, S.add_dicts)).result()


def gram(client: Any, ddf: Any, columns: list[str], sketch_sets: list[dict[str, S.Sketch]] | None, n: int) -> Any:
    parts = [delayed(S.gram_part, pure=True)(p, columns, sketch_sets, n) for p in _parts(ddf, columns)]
    return client.compute(S.tree_reduce(parts, _add)).result()


def _add(a: Any, b: Any) -> Any:
    return a + b


def joint_counts(client: Any, ddf: Any, xs: dict[str, list], ys: dict[str, list]) -> Any:
    """The contingency table of the joint levels of the ``xs`` columns against those of ``ys``."""
    cols = list(xs) + list(ys)
    parts = [delayed(S.joint_counts_part, pure=True)(p, xs, ys) for p in _parts(ddf, cols)]
    return client.compute(S.tree_reduce(parts, _add)).result()


def head(client: Any, ddf: Any, columns: list[str], rows: int, n: int) -> Any:
    """The first ``rows`` rows of ``columns`` in the order given (a pandas DataFrame), reading
    only the partitions that hold them if partitions are of about equal size (``n`` rows in all),
    and one more."""
    import math

    take = min(ddf.npartitions, math.ceil(rows * ddf.npartitions / max(n, 1)) + 1)
    return client.compute(ddf[columns].head(rows, npartitions=take, compute=False)).result()

