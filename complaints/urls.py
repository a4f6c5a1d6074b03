from django.urls import path

from .views import handling, lists, registration

app_name = "complaints"

urlpatterns = [
    path("", lists.complaint_list, name="list"),
    path("export/", lists.export, name="export"),
    path("departments/", lists.department_options, name="department_options"),
    path("inbox/", lists.department_inbox, name="inbox"),
    path("triage/", lists.triage_board, name="triage"),
    path("new/", registration.register, name="register"),
    path("<int:pk>/", handling.complaint_detail, name="detail"),
    path("<int:pk>/assign/", handling.assign, name="assign"),
    path("<int:pk>/handlers/", handling.handler_choices, name="handler_choices"),
    path("<int:pk>/cancel/", handling.cancel, name="cancel"),
    path("<int:pk>/answer/", handling.answer, name="answer"),
    path("<int:pk>/callback/", handling.callback, name="callback"),
    path("<int:pk>/attachments/", handling.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", handling.attachment_download, name="attachment_download"),
]
