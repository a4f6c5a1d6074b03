from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self):
        from customers import panels

        from . import selectors

        panels.register(panels.FilePart(
            key="complaints", read=selectors.customer_file_part, annotate=selectors.with_customer_complaints,
        ))
