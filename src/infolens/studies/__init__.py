"""Studies: each is a package ``infolens.studies.NAME`` that follows the protocol of
:mod:`infolens.studies.protocol` (a ``Config`` derived from ``StudyConfig``, ``jobs``, ``run_job``,
``summarize``, ``figures``, ``report``, ``run`` and ``main``), with its private helpers in its own
folder and the shared parts beside the folders (``config``, ``flags``, ``classifiers``,
``plateau``, ``supervised``). ``infolens run NAME`` finds them in :data:`STUDIES`; a new study is
a new folder that copies the pattern (``gan_toy`` is the smallest), plus one line here.
"""

from typing import TYPE_CHECKING

#: CLI name -> package under infolens.studies
STUDIES: dict[str, str] = {
    "compression": "compression",
    "infoplane": "infoplane",
    "infomax": "infomax",
    "privacy": "privacy",
    "gan-toy": "gan_toy",
}

if TYPE_CHECKING:  # the type checker holds every study package to the protocol (nothing is imported at run time)
    from . import compression, gan_toy, infomax, infoplane, privacy
    from .protocol import Study

    _c: Study = compression
    _i: Study = infoplane
    _m: Study = infomax
    _p: Study = privacy
    _g: Study = gan_toy
