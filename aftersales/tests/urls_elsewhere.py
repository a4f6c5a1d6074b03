"""The project's URLs under another path (aftersales/tests/test_links.py)."""
from django.urls import include, path

urlpatterns = [path("elsewhere/", include("aftersales.urls"))]
