from django.urls import path

from .views import public

app_name = "complaints_public"

urlpatterns = [
    path("<slug:store_code>/", public.complaint_form, name="form"),
    path("<slug:store_code>/code/", public.send_code, name="send_code"),
    path("<slug:store_code>/filed/", public.filed, name="filed"),
    path("<slug:store_code>/status/", public.status, name="status"),
]
