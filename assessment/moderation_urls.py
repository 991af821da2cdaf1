from django.urls import path

from assessment import moderation_views as views

app_name = "moderation"
urlpatterns = [
    path("<slug:cycle>/", views.QueueView.as_view(), name="queue"),
    path("<slug:cycle>/bulk/", views.BulkView.as_view(), name="bulk"),
    path("<slug:cycle>/<str:ods_code>/", views.ModerationView.as_view(), name="moderate"),
]
