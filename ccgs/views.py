"""The CCG register for national staff, and a CCG's page for everyone in its scope."""

from django.shortcuts import get_object_or_404
from django.views.generic import DetailView
from django_filters.views import FilterView

from ccgs.filters import RegisterFilter
from ccgs.selectors import ccgs_visible_to, register_year_counts
from common.views import ScopedPermissionRequiredMixin, query_string_without_page


class RegisterView(ScopedPermissionRequiredMixin, FilterView):
    permission_required = "ccgs.view_register"
    filterset_class = RegisterFilter
    template_name = "ccgs/register.html"
    paginate_by = 50

    def get_queryset(self):
        return ccgs_visible_to(self.request.user).order_by("name")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            year_counts=register_year_counts(),
            query_string_without_page=query_string_without_page(self.request),
            breadcrumbs=[("Home", "/"), ("CCG register", "")],
            **kwargs,
        )


class CCGDetailView(ScopedPermissionRequiredMixin, DetailView):
    permission_required = "ccgs.view_ccg"
    template_name = "ccgs/detail.html"
    context_object_name = "ccg"

    def get_object(self, queryset=None):
        # Out of scope is "not found", whoever asks: the scoped selector decides.
        return get_object_or_404(
            ccgs_visible_to(self.request.user), ods_code=self.kwargs["ods_code"].upper()
        )

    def get_permission_object(self):
        return self.get_object()

    def get_context_data(self, **kwargs):
        ccg = self.object
        return super().get_context_data(
            predecessors=ccg.predecessors.order_by("name"),
            breadcrumbs=[("Home", "/"), ("CCG register", "/register/"), (ccg.name, "")],
            **kwargs,
        )
