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


class AftersalesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "aftersales"
    verbose_name = _("After-sales core")

    def ready(self):
        post_migrate.connect(
            _sync_roles_after_migrate, sender=self, dispatch_uid="aftersales.sync_roles"
        )
