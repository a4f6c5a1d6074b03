from django.urls import path

from . import views

app_name = "kpi"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("group/", views.group, name="group"),
    path("stores/<str:code>/", views.store_dashboard, name="store_dashboard"),
    path("targets/", views.targets, name="targets"),
    path("stores/<str:code>/targets/", views.store_targets, name="store_targets"),
    path("report/", views.report, name="report"),
    path("stores/<str:code>/report/<int:year>-<int:month>/", views.store_report, name="store_report"),
    path("stores/<str:code>/report/<int:year>-<int:month>.xlsx", views.store_report_xlsx, name="store_report_xlsx"),
]
