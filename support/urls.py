from django.urls import path

from support import views

app_name = "support"
urlpatterns = [
    path("sessions/<int:pk>/", views.SessionView.as_view(), name="session"),
    path("<slug:cycle>/", views.CycleView.as_view(), name="cycle"),
]
