"""The national admin's assignment pages (per cycle) and the assessor's conflicts of
interest, mounted at ``/assignments/``."""

from django.urls import path

from assessment import assignment_views as views

app_name = "assignments"
urlpatterns = [
    # Before the cycle's pages: "conflicts" would otherwise be read as a cycle's slug.
    path("conflicts/", views.ConflictsView.as_view(), name="conflicts"),
    path(
        "conflicts/<int:pk>/withdraw/",
        views.WithdrawConflictView.as_view(),
        name="withdraw_conflict",
    ),
    path("<slug:cycle>/", views.CycleAssignmentsView.as_view(), name="cycle"),
    path("<slug:cycle>/assign/", views.AssignView.as_view(), name="assign"),
    path("<slug:cycle>/upload/", views.UploadView.as_view(), name="upload"),
    path("<slug:cycle>/auto/", views.AutoAssignView.as_view(), name="auto"),
    path("<slug:cycle>/export.csv", views.ExportView.as_view(), name="export"),
    path(
        "<slug:cycle>/assignments/<int:pk>/unassign/",
        views.UnassignView.as_view(),
        name="unassign",
    ),
]
