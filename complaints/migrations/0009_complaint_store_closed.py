# The KPI figures read a store's complaints registered or closed in a period; this index lets
# PostgreSQL OR the two ranges instead of reading every complaint of the store. Built
# concurrently: complaints are registered all day.
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('complaints', '0008_open_complaints_words'),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='complaint',
            index=models.Index(condition=models.Q(closed_at__isnull=False), fields=['store', 'closed_at'],
                               name='complaint_store_closed'),
        ),
    ]
