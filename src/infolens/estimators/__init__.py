"""MI estimators. Every module here registers its classes with ``infolens.registry.register``."""
