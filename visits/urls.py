from django.urls import path

from . import views
from .care import views as care_views

app_name = "visits"

urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("queue/next/", views.next_call, name="next_call"),
    path("calls/<int:pk>/", views.call, name="call"),
    path("calls/<int:pk>/attempt/", views.record_call, name="record_call"),
    path("calls/<int:pk>/release/", views.release_call, name="release_call"),
    path("calls/<int:pk>/assign/", views.assign_call, name="assign_call"),
    path("today/", views.today, name="today"),
    path("customers/<int:pk>/calls/", views.customer_calls, name="customer_calls"),
    path("calls/", views.followup_list, name="followup_list"),
    path("surveys/", views.survey_list, name="survey_list"),
    path("dissatisfactions/", views.dissatisfaction_list, name="dissatisfaction_list"),
    path("summary/", views.day_summary, name="summary"),
    path("repair-orders/<int:visit_pk>/survey/", views.on_site_survey, name="on_site_survey"),
    # Customer care (visits.care): campaigns and the outcome of reminder, renewal and recall calls.
    path("campaigns/", care_views.campaign_list, name="campaigns"),
    path("campaigns/new/", care_views.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", care_views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/send/", care_views.campaign_send, name="campaign_send"),
]
