from django.urls import path

from assessment import audit_views as views

app_name = "audit"
urlpatterns = [
    path("<slug:cycle>/<str:ods_code>/", views.AuditView.as_view(), name="submission"),
]
