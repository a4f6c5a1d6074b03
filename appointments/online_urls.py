from django.urls import path

from . import public_views

app_name = "appointments_online"

urlpatterns = [
    path("<slug:store_code>/", public_views.start, name="start"),
    path("<slug:store_code>/code/", public_views.send_code, name="send_code"),
    path("<slug:store_code>/verify/", public_views.verify, name="verify"),
    path("<slug:store_code>/new/", public_views.new, name="new"),
    path("<slug:store_code>/a/<str:token>/", public_views.manage, name="manage"),
    path("<slug:store_code>/a/<str:token>/cancel/", public_views.cancel, name="cancel"),
    path("<slug:store_code>/a/<str:token>/move/", public_views.move, name="move"),
]
