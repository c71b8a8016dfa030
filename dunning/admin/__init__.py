"""Dunning in the admin; each part registers its own models (one module per part)."""

from . import limitation, notices, policies, rates, runs  # noqa: F401
