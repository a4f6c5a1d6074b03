from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    # Permissions are created per app after migrate; make sure every app's exist before the
    # role groups are given theirs, whatever the order apps are migrated in.
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    from .roles import sync_roles

    for config in global_apps.get_app_configs():
        create_permissions(config, verbosity=0, using=using, apps=global_apps)
    sync_roles()


def _name_third_party_admin_entries():
    """Apps without a Chinese catalogue (django-axes, django-pghistory) are named in ours, so
    the admin site does not show "Access attempts" to a Chinese user. Only the display names
    change (`_meta.original_attrs`, which migrations read, stays as it is)."""
    from django.apps import apps

    names = {
        "axes": (_("Login lockouts"), {
            "AccessAttempt": (_("access attempt"), _("access attempts")),
            "AccessLog": (_("login record"), _("login records")),
            "AccessFailureLog": (_("failed login"), _("failed logins")),
        }),
        "pghistory": (_("Change history"), {"Events": (_("change event"), _("change events"))}),
    }
    for label, (app_name, models) in names.items():
        if not apps.is_installed(label):
            continue
        config = apps.get_app_config(label)
        config.verbose_name = app_name
        for model_name, (singular, plural) in models.items():
            try:
                model = config.get_model(model_name)
            except LookupError:
                continue
            model._meta.verbose_name, model._meta.verbose_name_plural = singular, plural


class AftersalesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "aftersales"
    verbose_name = _("After-sales core")

    def ready(self):
        from django.apps import apps
        from django.contrib.auth import get_user_model

        from . import lookups  # noqa: F401 - registers `field__any`
        from .access import connect_signals
        from .choices import label_tables_for
        from .store_lookups import connect_signals as connect_department_signals

        _name_third_party_admin_entries()
        connect_signals(get_user_model())
        connect_department_signals()
        label_tables_for(apps.get_models())
        post_migrate.connect(
            _sync_roles_after_migrate, sender=self, dispatch_uid="aftersales.sync_roles"
        )
