"""API of dunning runs: state per invoice and customer, dry run, runs and reminders."""

urlpatterns: list = []
