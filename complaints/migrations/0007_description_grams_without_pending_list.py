"""As customers 0010: the words' GIN index without a pending list that every search would read
whole. Switched off in place, and the list merged now."""
import django.contrib.postgres.indexes
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("complaints", "0006_escalation_row"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    ["ALTER INDEX complaint_description_grams SET (fastupdate = off)",
                     "SELECT gin_clean_pending_list('complaint_description_grams'::regclass)"],
                    ["ALTER INDEX complaint_description_grams RESET (fastupdate)"],
                ),
            ],
            state_operations=[
                migrations.RemoveIndex(model_name="complaint", name="complaint_description_grams"),
                migrations.AddIndex(
                    model_name="complaint",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fastupdate=False, fields=["description_grams"], name="complaint_description_grams"),
                ),
            ],
        ),
    ]
