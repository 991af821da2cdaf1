from django.urls import path  # noqa: F401  (patterns are added here)

app_name = "audit"
urlpatterns: list = []
