"""Cycles and their framework (bands, domains, criteria), for national staff and assessors."""

from django.views.generic import DetailView, ListView

from assessment.selectors import cycles_with_framework
from common.views import ScopedPermissionRequiredMixin


class CycleListView(ScopedPermissionRequiredMixin, ListView):
    permission_required = "assessment.view_cycles"
    template_name = "assessment/cycle_list.html"
    context_object_name = "cycles"

    def get_queryset(self):
        return cycles_with_framework()

    def get_context_data(self, **kwargs):
        return super().get_context_data(breadcrumbs=[("Home", "/"), ("Cycles", "")], **kwargs)


class CycleDetailView(ScopedPermissionRequiredMixin, DetailView):
    permission_required = "assessment.view_cycles"
    template_name = "assessment/cycle_detail.html"
    context_object_name = "cycle"

    def get_queryset(self):
        return cycles_with_framework()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            breadcrumbs=[("Home", "/"), ("Cycles", "/cycles/"), (self.object.label, "")],
            **kwargs,
        )
