from django.urls import path

from assessment import review_views as views

app_name = "reviews"
urlpatterns = [
    path("<slug:cycle>/", views.ReviewListView.as_view(), name="list"),
    path("<slug:cycle>/decide/<int:pk>/", views.DecideReviewView.as_view(), name="decide"),
    path("<slug:cycle>/<str:ods_code>/", views.RequestReviewView.as_view(), name="request"),
]
