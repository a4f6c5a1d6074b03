from django.urls import path

from . import views

app_name = "appointments"

urlpatterns = [
    path("", views.day_book, name="day_book"),
]
