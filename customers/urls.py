from django.urls import include, path

from . import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("search/", views.search, name="search"),
    path("export.xlsx", views.customer_export, name="export"),
    path("new/", views.customer_create, name="create"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/mobile/", views.reveal_mobile, name="reveal_mobile"),
    path("<int:pk>/consent/", views.record_consent, name="consent"),
    path("<int:pk>/merge/", views.customer_merge, name="merge"),
    path("<int:pk>/vehicles/new/", views.vehicle_create, name="vehicle_create"),
    path("<int:pk>/documents/new/", views.document_upload, name="document_upload"),
    path("documents/<int:pk>/", views.document_download, name="document_download"),
    path("vehicles/<int:pk>/edit/", views.vehicle_edit, name="vehicle_edit"),
    path("vehicles/<int:pk>/transfer/", views.vehicle_transfer, name="vehicle_transfer"),
    path("repair-orders/", views.visit_list, name="visit_list"),
    path("repair-orders/export.xlsx", views.visit_export, name="visit_export"),
    path("vehicles/<int:vehicle_pk>/repair-orders/new/", views.visit_create, name="visit_create"),
    path("repair-orders/<int:pk>/edit/", views.visit_edit, name="visit_edit"),
    path("imports/", include("customers.imports.urls")),
]
