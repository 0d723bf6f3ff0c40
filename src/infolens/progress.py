"""Progress bars (tqdm), off with ``verbose=False`` and when stderr is not a terminal
unless forced."""

from __future__ import annotations

from typing import Any, Iterable


def progress(iterable: Iterable[Any] | None = None, *, total: int | None = None, desc: str = "",
             verbose: bool | None = True, unit: str = "it", **kwargs: Any):
    """A tqdm progress bar; ``verbose=False`` disables it. ``verbose=None`` shows it
    only on a terminal."""
    from tqdm.auto import tqdm

    disable = (verbose is False) or (None if verbose is None else False)
    return tqdm(iterable, total=total, desc=desc, disable=disable, unit=unit, dynamic_ncols=True,
                leave=False, **kwargs)
