from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("stores/", views.store_list, name="store_list"),
    path("stores/<int:pk>/", views.store_detail, name="store_detail"),
    path(
        "history/<str:app_label>/<str:model_name>/<int:pk>/",
        views.object_history,
        name="object_history",
    ),
    path("healthz", views.healthz, name="healthz"),
    path("system/health/", views.system_health, name="system_health"),
    path("system/backup/", views.request_backup, name="request_backup"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # The language switch must work on the login page too.
    path("i18n/setlang/", views.switch_language, name="set_language"),
    path("customers/", include("customers.urls")),
    path("messages/", include("aftersales.messaging.urls")),
    path("visits/", include("visits.urls")),
    path("complaints/", include("complaints.urls")),
    path("appointments/", include("appointments.urls")),
    path("kpi/", include("kpi.urls")),
    # Reached by customers and the SMS provider, without a staff login.
    path("m/", include("aftersales.messaging.public_urls")),
    path("c/", include("complaints.public_urls")),
    # The lobby's welcome board, by a secret link an administrator can rotate.
    path("w/", include("appointments.public_urls")),
    path("b/", include("appointments.online_urls")),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on pages (the admin's) that do not name one.
    path("favicon.ico", views.favicon),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

