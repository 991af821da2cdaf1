from django.urls import path

from library import views

app_name = "library"
urlpatterns = [
    path("", views.LibraryView.as_view(), name="index"),
    path("<int:pk>/", views.ExampleView.as_view(), name="example"),
    path("<slug:cycle>/review/", views.ReviewView.as_view(), name="review"),
    path("<slug:cycle>/review/<int:pk>/", views.DecideView.as_view(), name="decide"),
    path("<slug:cycle>/consent/", views.ConsentView.as_view(), name="consent"),
]
