from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "customers"
    verbose_name = _("Customer files")

    def ready(self):
        from aftersales.messaging import consent

        from .consent import CustomerFileConsent

        consent.register(CustomerFileConsent())
