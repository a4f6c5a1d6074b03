# The KPI figures' warranty calls read a store's warranty repair orders as a set. Built
# concurrently: the table holds millions of repair orders, and a plain CREATE INDEX would block the
# DMS imports while it builds.
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('customers', '0007_import_column_samples'),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='servicevisit',
            index=models.Index(condition=models.Q(('repair_type', 'warranty')), fields=['store', 'id'],
                               name='visit_store_warranty'),
        ),
    ]
