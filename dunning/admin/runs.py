"""Admin of dunning: runs."""
