from django.urls import path

from . import views

app_name = "appointments_public"

urlpatterns = [
    path("<str:token>/", views.welcome_board, name="welcome_board"),
    path("<str:token>/rows/", views.welcome_board_rows, name="welcome_board_rows"),
]
