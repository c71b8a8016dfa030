"""No operation (since issue 14); kept so the migration history stays the same everywhere.

It re-installed the stored documents' triggers (0007) on SQLite, where 0010 had rebuilt the table
and dropped them; PostgreSQL adds the column in place and keeps its trigger, so this never did
anything there. PostgreSQL is now the only database.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("invoicing", "0013_recurring_template_status")]

    operations = []
