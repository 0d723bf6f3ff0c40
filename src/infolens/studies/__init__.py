"""Studies: each is one module that follows the protocol of :mod:`._protocol` (a ``Config``
dataclass, ``jobs``, ``run_job``, ``summarize``, ``figures``, ``report``, ``run`` and
``main``). ``infolens run NAME`` finds them in :data:`STUDIES`; a new study is a new module
that copies the pattern, plus one line here."""

#: CLI name -> module under infolens.studies
STUDIES: dict[str, str] = {
    "compression": "compression",
    "infoplane": "infoplane",
    "infomax": "infomax",
    "privacy": "privacy",
    "gan-toy": "gan_toy",
}
