# The KPI figures read a store's (or the group's) calls by the day they are due; the index carries
# the columns the counts look at, so a month of the group is read from the index alone. Built
# concurrently: the table holds millions of calls, and a plain CREATE INDEX would block the
# morning job's inserts while it builds.
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
            index=models.Index(fields=['store', 'due_on', 'id'], include=['status', 'outcome', 'merged_into', 'visit'],
                               name='followup_kpi_due'),
        ),
    ]
