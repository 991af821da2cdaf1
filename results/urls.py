from django.urls import path

from results import dashboard_views, export_views, history_views

app_name = "results"
urlpatterns: list = []
urlpatterns += [  # history and exports
    path("", export_views.ResultsIndexView.as_view(), name="index"),
    path("<slug:cycle>/export.<str:format>", export_views.ExportView.as_view(), name="export"),
    path("ccgs/<str:ods_code>/history/", history_views.CCGHistoryView.as_view(), name="history"),
]
urlpatterns += [  # the national dashboard
    path("dashboard/", dashboard_views.DashboardHomeView.as_view(), name="dashboard_home"),
    path("<slug:cycle>/dashboard/", dashboard_views.DashboardView.as_view(), name="dashboard"),
]
