"""The insight page of a cycle, for moderators and national admins: agreement between the
assessors per domain, and each assessor's severity or leniency against moderation."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from assessment.insight import IN_LINE_WITHIN, insight_for
from assessment.models import Cycle
from common.views import PageView, ScopedPermissionRequiredMixin


class InsightView(ScopedPermissionRequiredMixin, PageView):
    permission_required = "assessment.view_moderation"
    template_name = "assessment/insight.html"

    @cached_property
    def cycle(self):
        return get_object_or_404(Cycle, slug=self.kwargs["cycle"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            cycle=self.cycle,
            insight=insight_for(self.cycle),
            in_line_within=IN_LINE_WITHIN,
            now=timezone.localtime(),
            breadcrumbs=[
                ("Home", reverse("home")),
                (
                    f"Moderation {self.cycle.label}",
                    reverse("moderation:queue", kwargs={"cycle": self.cycle.slug}),
                ),
                ("Insight", ""),
            ],
            **kwargs,
        )
