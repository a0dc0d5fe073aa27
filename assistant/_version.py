"""The package version, apart from __init__ so that any layer can read it."""

__version__ = "0.1.0"
