"""The national dashboard of a cycle (``results.dashboard``), for moderators and national
admins; ``dashboard_home`` sends them to the newest cycle's."""

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View

from assessment.models import Cycle
from common.views import PageView, ScopedPermissionRequiredMixin
from results.dashboard import STAGE_LABELS, dashboard_for, filter_rows
from results.dashboard_forms import DashboardFilterForm


class DashboardHomeView(ScopedPermissionRequiredMixin, View):
    permission_required = "results.view_dashboard"

    def get(self, request, *args, **kwargs):
        cycle = Cycle.objects.order_by("-label").first()
        if cycle is None:
            raise Http404("No cycle yet.")
        return redirect("results:dashboard", cycle=cycle.slug)


class DashboardView(ScopedPermissionRequiredMixin, PageView):
    permission_required = "results.view_dashboard"
    template_name = "results/dashboard.html"

    @cached_property
    def cycle(self):
        return get_object_or_404(Cycle, slug=self.kwargs["cycle"])

    def get_context_data(self, **kwargs):
        dashboard = dashboard_for(self.cycle)
        form = DashboardFilterForm(self.request.GET or None, regions=dashboard.regions)
        filters = form.filters()
        rows = filter_rows(dashboard.rows, **filters)
        return super().get_context_data(
            cycle=self.cycle,
            dashboard=dashboard,
            form=form,
            filtered=bool(filters),
            rows=rows,
            stage_labels=STAGE_LABELS,
            cycles=list(Cycle.objects.order_by("-label").values_list("label", "slug")),
            now=timezone.localtime(),
            breadcrumbs=[("Home", reverse("home")), (f"Dashboard {self.cycle.label}", "")],
            **kwargs,
        )
