from django.urls import path

from assessment import views

app_name = "assessment"
urlpatterns = [
    path("", views.CycleListView.as_view(), name="cycle_list"),
    path("<slug:slug>/", views.CycleDetailView.as_view(), name="cycle_detail"),
]
