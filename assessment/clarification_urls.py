"""Clarification pages, mounted at ``/clarifications/``."""

from django.urls import path

from assessment import clarification_views as views

app_name = "clarifications"

submission = "<slug:cycle>/<str:ods_code>/"
urlpatterns = [
    path(submission, views.ListView.as_view(), name="list"),
    path(submission + "ask/<str:criterion>/", views.AskView.as_view(), name="ask"),
    path(submission + "<int:pk>/", views.DetailView.as_view(), name="detail"),
]
