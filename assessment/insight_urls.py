from django.urls import path

from assessment import insight_views as views

app_name = "insight"
urlpatterns = [
    path("<slug:cycle>/", views.InsightView.as_view(), name="cycle"),
]
