from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("template.xlsx", views.template, name="template"),
    path("<int:pk>/mapping/", views.mapping, name="mapping"),
    path("<int:pk>/", views.preview, name="preview"),
    path("<int:pk>/repair-types/", views.map_repair_types, name="map_repair_types"),
    path("<int:pk>/commit/", views.commit, name="commit"),
    path("<int:pk>/progress/", views.progress, name="progress"),
]
