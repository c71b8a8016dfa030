"""Admin of dunning: policies."""
