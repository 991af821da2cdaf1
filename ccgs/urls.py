from django.urls import path

from ccgs import views

app_name = "ccgs"
urlpatterns = [
    path("", views.RegisterView.as_view(), name="register"),
    path("<str:ods_code>/", views.CCGDetailView.as_view(), name="detail"),
]
