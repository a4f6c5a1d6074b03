from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "visits"
    verbose_name = _("Return visits")

    def ready(self):
        from customers.signals import repair_orders_changed

        from customers import panels

        from . import selectors
        from .care.calls import register_calls
        from .care.receivers import recompute_due_after_repair_orders

        repair_orders_changed.connect(recompute_due_after_repair_orders, dispatch_uid="care_recompute_due")
        # Care's calls, with the answers the call screen offers (renewal outcome, recall reason).
        register_calls()
        # The customer file's flags; its return-visit section (follow-ups, dissatisfactions,
        # care) loads after the page (views.customer_calls).
        panels.register(panels.FilePart(
            key="calls", read=selectors.customer_file_part, annotate=selectors.with_customer_file_flags,
        ))
