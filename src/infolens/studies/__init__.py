"""Studies: each module has ``run(config) -> results`` for Python use and
``add_arguments(parser)`` / ``main(args)`` for ``infolens run NAME``."""
