from django.urls import path

from letters import views

app_name = "letters"
urlpatterns = [
    path("", views.LettersHomeView.as_view(), name="home"),
    path("documents/<int:pk>/", views.DocumentDownloadView.as_view(), name="download"),
    path("<slug:cycle>/", views.CycleView.as_view(), name="cycle"),
    path("<slug:cycle>/render/", views.StartRunView.as_view(), name="start_run"),
    path("<slug:cycle>/runs/<int:pk>/", views.RunView.as_view(), name="run"),
    path("<slug:cycle>/runs/<int:pk>/progress/", views.RunProgressView.as_view(), name="progress"),
    path("<slug:cycle>/runs/<int:pk>/retry/", views.RetryRunView.as_view(), name="retry"),
    path("<slug:cycle>/wording/", views.WordingView.as_view(), name="wording"),
    path("<slug:cycle>/preview/", views.PreviewView.as_view(), name="preview"),
    path("<slug:cycle>/release/", views.ReleaseView.as_view(), name="release"),
    path("<slug:cycle>/outbox/", views.OutboxView.as_view(), name="outbox"),
    path("<slug:cycle>/outbox/<int:pk>/", views.MessageView.as_view(), name="message"),
    path("<slug:cycle>/downloads/", views.DownloadsReportView.as_view(), name="downloads"),
    path("<slug:cycle>/letters.zip", views.ZipView.as_view(), name="zip"),
    path("<slug:cycle>/ccgs/<str:ods_code>/", views.CCGVersionsView.as_view(), name="versions"),
]
