"""The package version, in a module of its own so every layer can read it without
importing the top-level package (which exposes the public API and would pull it in)."""

__version__ = "0.1.0"
