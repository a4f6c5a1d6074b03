from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def _new_store_defaults(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from .defaults import install_defaults

        install_defaults(instance)


class AppointmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "appointments"
    verbose_name = _("Appointments")

    def ready(self):
        post_save.connect(_new_store_defaults, sender="aftersales.Store",
                          dispatch_uid="appointments_store_defaults")
        from customers import panels

        from . import rows, selectors
        from .calls import register_calls

        register_calls()
        panels.register(panels.FilePart(key="appointments", read=selectors.customer_appointments,
                                        cards={"appointment": rows.appointment_cards}))
