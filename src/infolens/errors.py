"""The errors infolens raises for a user's own input (arguments, data, files, configs).

Each class subclasses the built-in exception a caller would expect (``ValueError``,
``TypeError``, ``FileNotFoundError``), so ``except ValueError`` keeps working, and also
:class:`InfolensError`, which marks the error as *the user's input*, not a bug: the
command line prints such an error as one line (exit status 2) and shows a traceback for
anything else. Messages name the argument (or file), say what was given and what is
accepted.

This module imports nothing, so every layer (``result.py`` included) may import it.
"""

from __future__ import annotations

__all__ = ["InfolensError", "InputError", "InputTypeError", "FileReadError", "ConfigError",
           "DataNotFoundError", "RunFolderError"]


class InfolensError(Exception):
    """Base class: a problem with what the user gave; its message says how to fix it."""


class InputError(InfolensError, ValueError):
    """An argument or a data array has a value that is not accepted."""


class InputTypeError(InfolensError, TypeError):
    """An argument has a type that is not accepted."""


class FileReadError(InfolensError, ValueError):
    """A file exists but cannot be read as the data it should hold (empty, truncated,
    zero rows, wrong format for its extension)."""


class ConfigError(InfolensError, ValueError):
    """A study or sweep configuration is invalid (YAML syntax, unknown keys, bad values)."""


class DataNotFoundError(InfolensError, FileNotFoundError):
    """A file or data set the user named is not where it was looked for."""


class RunFolderError(InfolensError, ValueError):
    """A run folder holds a run whose configuration differs from the one asked for."""
