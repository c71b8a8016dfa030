"""Admin of dunning: rates."""
