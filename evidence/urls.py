from django.urls import path

from evidence import views

app_name = "evidence"

submission = "<slug:cycle>/<str:ods_code>/"
urlpatterns = [
    path("", views.SubmissionListView.as_view(), name="list"),
    path("<slug:cycle>/dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path(submission, views.OverviewView.as_view(), name="overview"),
    path(submission + "check/", views.CheckAnswersView.as_view(), name="check"),
    path(submission + "submitted/", views.SubmittedView.as_view(), name="submitted"),
    path(submission + "extension/", views.ExtensionView.as_view(), name="extension"),
    path(submission + "domain/<str:domain>/", views.DomainView.as_view(), name="domain"),
    path(
        submission + "domain/<str:domain>/narrative/",
        views.NarrativeView.as_view(),
        name="narrative",
    ),
    path(
        submission + "criterion/<str:criterion>/link/",
        views.AddLinkView.as_view(),
        name="add_link",
    ),
    path(
        submission + "criterion/<str:criterion>/file/",
        views.AddFileView.as_view(),
        name="add_file",
    ),
    path(
        submission + "evidence/<int:item>/replace/",
        views.ReplaceFileView.as_view(),
        name="replace_file",
    ),
    path(
        submission + "evidence/<int:item>/remove/",
        views.RemoveItemView.as_view(),
        name="remove_item",
    ),
    path(submission + "files/<int:file>/", views.DownloadView.as_view(), name="download"),
]
