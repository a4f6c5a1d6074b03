# The call list of a period (the KPI drill-down) and the figures' counts read a store's calls by
# the day they are due. Built concurrently: the table holds millions of calls, and a plain
# CREATE INDEX would block the morning job's inserts while it builds.
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('visits', '0008_calls_of_every_module'),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='followup',
            index=models.Index(fields=['store', 'due_on', 'id'], name='followup_store_due'),
        ),
    ]
