from django.urls import path

from assessment import assessor_views as views

app_name = "assessors"

submission = "<slug:cycle>/<str:ods_code>/"
urlpatterns = [
    path("", views.QueueView.as_view(), name="queue"),
    path(submission, views.OverviewView.as_view(), name="overview"),
    path(submission + "domain/<str:domain>/", views.DomainView.as_view(), name="domain"),
    path(submission + "submit/", views.SubmitView.as_view(), name="submit"),
]
