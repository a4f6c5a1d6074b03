from django.urls import path

from . import views

app_name = "messaging"
urlpatterns = [
    path("", views.delivery_log, name="log"),
    path("<int:pk>/", views.message_detail, name="detail"),
]
