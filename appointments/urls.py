from django.urls import path

from . import staff_views, views

app_name = "appointments"

urlpatterns = [
    path("", views.day_book, name="day_book"),
    path("book/", staff_views.book, name="book"),
    path("list/", staff_views.appointment_list, name="list"),
    path("list/export/", staff_views.export, name="export"),
    path("today/", staff_views.my_today, name="my_today"),
    path("today/read/", staff_views.notices_read, name="notices_read"),
    path("reception/", staff_views.reception, name="reception"),
    path("<int:pk>/", staff_views.detail, name="detail"),
    path("<int:pk>/move/", staff_views.move, name="move"),
    path("<int:pk>/parts/", staff_views.parts, name="parts"),
    path("<int:pk>/<slug:action>/", staff_views.act, name="act"),
]
