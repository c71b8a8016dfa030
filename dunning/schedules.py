"""Periodic schedules of dunning (see core.schedules; editable in the admin)."""
