app_name = "messaging_public"
urlpatterns = []
