"""``/api/v1/``: the read-only JSON API, its OpenAPI schema, and the tokens page."""

from django.urls import path, re_path

from api import token_views, views

app_name = "api"
urlpatterns = [
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("cycles/", views.CycleList.as_view(), name="cycle_list"),
    path("cycles/<str:slug>/", views.CycleDetail.as_view(), name="cycle_detail"),
    path("ratings/", views.RatingList.as_view(), name="rating_list"),
    path("ratings/<int:pk>/", views.RatingDetail.as_view(), name="rating_detail"),
    path(
        "ratings/<str:cycle>/<str:ods_code>/",
        views.CycleRatingDetail.as_view(),
        name="cycle_rating_detail",
    ),
    path("ccgs/", views.CCGList.as_view(), name="ccg_list"),
    path("ccgs/<str:ods_code>/", views.CCGDetail.as_view(), name="ccg_detail"),
    path("ccgs/<str:ods_code>/history/", views.CCGHistory.as_view(), name="ccg_history"),
    path("tokens/", token_views.TokensView.as_view(), name="tokens"),
    path("tokens/<int:pk>/revoke/", token_views.RevokeTokenView.as_view(), name="revoke_token"),
    # Any other path under /api/v1/ answers in JSON too, not with the HTML 404 page.
    re_path(r"^", views.not_found),
]
