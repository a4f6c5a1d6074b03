from django.urls import path

from . import views, views_review

app_name = "kpi"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("group/", views.group, name="group"),
    path("stores/<str:code>/", views.store_dashboard, name="store_dashboard"),
    path("targets/", views.targets, name="targets"),
    path("stores/<str:code>/targets/", views.store_targets, name="store_targets"),
    path("report/", views.report, name="report"),
    path("group/report/<int:year>-<int:month>/", views.group_report, name="group_report"),
    path("group/report/<int:year>-<int:month>.xlsx", views.group_report_xlsx, name="group_report_xlsx"),
    path("stores/<str:code>/report/<int:year>-<int:month>/", views.store_report, name="store_report"),
    path("stores/<str:code>/report/<int:year>-<int:month>.xlsx", views.store_report_xlsx, name="store_report_xlsx"),
    path("scorecard/", views_review.scorecard, name="scorecard"),
    path("stores/<str:code>/scorecard/<int:year>-<int:month>/", views_review.store_scorecard, name="store_scorecard"),
    path("stores/<str:code>/scorecard/<int:year>-<int:month>.xlsx", views_review.store_scorecard_xlsx,
         name="store_scorecard_xlsx"),
    path("mystery-shopper/", views_review.mystery_shopper, name="mystery_shopper"),
    path("actions/", views_review.actions, name="actions"),
    path("actions/<int:pk>/", views_review.action_update, name="action_update"),
]
