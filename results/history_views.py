"""The CCG history page: a CCG's results across cycles, following mergers.

Scoped like the CCG's own page (``ccgs:detail``): its lead and accountable officer and the
national team; anyone else, a lead of another CCG included, gets "Page not found".
"""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import cached_property

from assessment.scoring import DOMAIN_CODES
from ccgs.selectors import ccgs_visible_to
from common.views import PageView, ScopedPermissionRequiredMixin
from results.history import ccg_history, history_chart


class CCGHistoryView(ScopedPermissionRequiredMixin, PageView):
    permission_required = "results.view_ccg_history"
    template_name = "results/history.html"

    @cached_property
    def ccg(self):
        return get_object_or_404(
            ccgs_visible_to(self.request.user), ods_code=self.kwargs["ods_code"].upper()
        )

    def get_permission_object(self):
        return self.ccg

    def get_context_data(self, **kwargs):
        ccg = self.ccg
        national = self.request.user.has_perm("results.view_unreleased_results")
        rows = ccg_history(ccg, include_unreleased=national)
        breadcrumbs = [("Home", reverse("home"))]
        if self.request.user.has_perm("ccgs.view_register"):
            breadcrumbs.append(("CCG register", reverse("ccgs:register")))
        breadcrumbs += [
            (ccg.name, reverse("ccgs:detail", kwargs={"ods_code": ccg.ods_code})),
            ("Results history", ""),
        ]
        return super().get_context_data(
            ccg=ccg,
            rows=rows,
            domain_codes=DOMAIN_CODES,
            national=national,
            has_predecessors=any(row.is_predecessor for row in rows),
            has_unreleased=any(not row.released for row in rows),
            chart_svg=history_chart(ccg, rows) if rows else "",
            breadcrumbs=breadcrumbs,
            **kwargs,
        )
