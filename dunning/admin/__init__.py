"""Dunning in the admin; each part registers its own models (one module per part)."""

from . import notices, policies, rates, runs  # noqa: F401
