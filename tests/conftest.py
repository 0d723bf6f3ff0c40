"""Shared test set-up: a non-interactive matplotlib backend, and progress bars off."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TQDM_DISABLE", "1")
