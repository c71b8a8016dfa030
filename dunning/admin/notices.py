"""Admin of dunning: notices."""
