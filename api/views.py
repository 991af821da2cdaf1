"""The read-only JSON API, ``/api/v1/``: released cycles and ratings for everyone; CCGs and a
CCG's history for signed-in users (token or session), scoped as on the web.

Every view reads through ``api.selectors`` (so through ``results.selectors``: nothing of a
cycle before its release), answers only GET, HEAD and OPTIONS (anything else is 405 before
any other check), and reads a page in a fixed number of queries.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from drf_spectacular.views import SpectacularAPIView
from rest_framework import generics, permissions
from rest_framework import serializers as drf_serializers
from rest_framework.exceptions import MethodNotAllowed, NotFound

from api import selectors, serializers
from api.filters import RatingFilter

ERROR = inline_serializer("Error", fields={"detail": drf_serializers.CharField()})
ERRORS = {
    400: OpenApiResponse(
        OpenApiTypes.OBJECT, description="A parameter it cannot use: its name -> the problems."
    ),
    401: OpenApiResponse(ERROR, description="No token or session, or a bad token (it says why)."),
    404: OpenApiResponse(ERROR, description="Not found, not released, or not in your scope."),
    429: OpenApiResponse(ERROR, description="Too many requests without a token: wait."),
}


def doc(summary, description, serializer, errors, **extra):
    """The OpenAPI description of a GET: its answer and the errors it can give."""
    # Any request with a bad token is a 401; any signed-out client may be throttled.
    codes = sorted({*errors, 401, 429})
    responses = {200: serializer, **{code: ERRORS[code] for code in codes}}
    return extend_schema_view(
        get=extend_schema(summary=summary, description=description, responses=responses, **extra)
    )


ODS = OpenApiParameter("ods_code", str, OpenApiParameter.PATH, description="A CCG's ODS code.")


class ReadOnly:
    """Only safe methods, refused before authentication so the answer is always 405; a path
    argument PostgreSQL cannot compare (a NUL) or longer than any code is simply not found."""

    def initial(self, request, *args, **kwargs):
        if request.method not in permissions.SAFE_METHODS:
            raise MethodNotAllowed(request.method)
        if any("\x00" in str(v) or len(str(v)) > 100 for v in kwargs.values()):
            raise NotFound()
        super().initial(request, *args, **kwargs)


class MayViewCCGs(permissions.BasePermission):
    """``api.view_ccgs`` (accounts.permissions); a signed-out client gets 401."""

    def has_permission(self, request, view):
        return request.user.has_perm("api.view_ccgs")


@doc(
    "Released cycles",
    "Every cycle whose ratings have been released, newest first, with its "
    "RAGG bands. Cycles not yet released are not listed.",
    serializers.CycleSerializer,
    (404,),
)
class CycleList(ReadOnly, generics.ListAPIView):
    serializer_class = serializers.CycleSerializer

    def get_queryset(self):
        return selectors.api_cycles()


@doc(
    "A released cycle",
    "One released cycle by slug (2019-20); 404 for a cycle not yet released.",
    serializers.CycleSerializer,
    (404,),
)
class CycleDetail(ReadOnly, generics.RetrieveAPIView):
    serializer_class = serializers.CycleSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return selectors.api_cycles()


@doc(
    "Released ratings",
    "The final rating in force of every CCG in every released cycle, named "
    "as on that cycle's register: the published results. Public.",
    serializers.RatingSerializer,
    (400, 404),
)
class RatingList(ReadOnly, generics.ListAPIView):
    serializer_class = serializers.RatingSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = RatingFilter

    def get_queryset(self):
        return selectors.api_ratings()


@doc(
    "A released rating",
    "One rating in force of a released cycle, by id; 404 otherwise.",
    serializers.RatingSerializer,
    (404,),
)
class RatingDetail(ReadOnly, generics.RetrieveAPIView):
    serializer_class = serializers.RatingSerializer

    def get_queryset(self):
        return selectors.api_ratings()


@doc(
    "A CCG's released rating in a cycle",
    "The rating in force of the CCG in the released cycle (by slug); 404 "
    "when the cycle is not released or the CCG was not rated.",
    serializers.RatingSerializer,
    (404,),
    operation_id="ratings_by_cycle_and_ccg",
    parameters=[
        OpenApiParameter("cycle", str, OpenApiParameter.PATH, description="Cycle slug."),
        ODS,
    ],
)
class CycleRatingDetail(ReadOnly, generics.RetrieveAPIView):
    serializer_class = serializers.RatingSerializer

    def get_queryset(self):
        return selectors.api_ratings()

    def get_object(self):
        return get_object_or_404(
            self.get_queryset(),
            submission__cycle__slug=self.kwargs["cycle"],
            submission__ccg__ods_code__iexact=self.kwargs["ods_code"],
        )


@doc(
    "CCGs you may see",
    "National staff: every CCG; a CCG's lead or accountable officer: their "
    "own. Needs a token or a signed-in session.",
    serializers.CCGSerializer,
    (401, 404),
)
class CCGList(ReadOnly, generics.ListAPIView):
    serializer_class = serializers.CCGSerializer
    permission_classes = [MayViewCCGs]

    def get_queryset(self):
        return selectors.api_ccgs(self.request.user)


@doc(
    "A CCG",
    "One CCG in your scope by ODS code; 404 outside it.",
    serializers.CCGSerializer,
    (401, 404),
    parameters=[ODS],
)
class CCGDetail(ReadOnly, generics.RetrieveAPIView):
    serializer_class = serializers.CCGSerializer
    permission_classes = [MayViewCCGs]

    def get_queryset(self):
        return selectors.api_ccgs(self.request.user)

    def get_object(self):
        return get_object_or_404(self.get_queryset(), ods_code__iexact=self.kwargs["ods_code"])


@doc(
    "A CCG's history",
    "The CCG's released ratings across cycles, newest first, with those of "
    "the CCGs that merged into it (own: false). Same scope as the CCG.",
    serializers.HistoryEntrySerializer,
    (401, 404),
    parameters=[ODS],
)
class CCGHistory(ReadOnly, generics.ListAPIView):
    serializer_class = serializers.HistoryEntrySerializer
    permission_classes = [MayViewCCGs]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types
            return selectors.api_ratings().none()
        ccgs = selectors.api_ccgs(self.request.user).prefetch_related(None)
        ccg = get_object_or_404(ccgs, ods_code__iexact=self.kwargs["ods_code"])
        return selectors.ccg_history(ccg)


class SchemaView(ReadOnly, SpectacularAPIView):
    """The OpenAPI 3 schema: JSON, or YAML with ``?format=yaml``. Public."""

    renderer_classes = [OpenApiJsonRenderer, OpenApiYamlRenderer]
    authentication_classes = []
    permission_classes = [permissions.AllowAny]


def not_found(request, *args, **kwargs):
    """An unknown path under /api/v1/ (also a path argument its route does not accept)."""
    return JsonResponse({"detail": "Not found."}, status=404)
