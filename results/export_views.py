"""The published exports, for the national team: the released cycles with their download
links, and each cycle's CSV, XLSX and JSON (``results.exports``). A cycle not yet
released, or an unknown format, is "Page not found"."""

from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View

from assessment.models import Cycle
from common.views import PageView, ScopedPermissionRequiredMixin
from results import exports
from results.selectors import released_cycles, released_ratings


class ResultsIndexView(ScopedPermissionRequiredMixin, PageView):
    permission_required = "results.export_results"
    template_name = "results/index.html"

    def get_context_data(self, **kwargs):
        cycles = list(released_cycles())
        rated = dict(
            released_ratings()
            .values_list("submission__cycle")
            .annotate(n=Count("id"))
            .values_list("submission__cycle", "n")
        )
        rows = [
            {
                "cycle": cycle,
                "rated": rated.get(cycle.pk, 0),
                "links": [
                    (fmt.upper(), reverse("results:export", args=[cycle.slug, fmt]))
                    for fmt in exports.FORMATS
                ],
            }
            for cycle in cycles
        ]
        return super().get_context_data(
            rows=rows,
            breadcrumbs=[("Home", reverse("home")), ("Published results", "")],
            **kwargs,
        )


class ExportView(ScopedPermissionRequiredMixin, View):
    permission_required = "results.export_results"

    def get(self, request, *args, **kwargs):
        found = get_object_or_404(Cycle, slug=kwargs["cycle"])
        try:
            result = exports.export(found, kwargs["format"])
        except (exports.UnknownFormat, exports.UnreleasedCycle) as exc:
            raise Http404(str(exc)) from exc
        response = HttpResponse(result.content, content_type=result.content_type)
        response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
        return response
