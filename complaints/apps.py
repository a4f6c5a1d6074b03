from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self):
        from aftersales import health
        from customers import panels

        from . import rows, selectors
        from .calendar import unpublished_years

        health.register_calendar(unpublished_years)

        panels.register(panels.FilePart(
            key="complaints", read=selectors.customer_file_part, annotate=selectors.with_customer_complaints,
            cards={"complaint": rows.complaint_cards},
        ))
