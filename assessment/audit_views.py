"""The audit view of one CCG's cycle, for the national team (moderators and national
admins): every event in time order, filtered by kind with a plain GET form, and the same
events as CSV (``?format=csv``, keeping the filters)."""

import csv

from django import forms
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from assessment.audit import KINDS, audit_events
from common.spreadsheet import protect
from common.views import PageView, ScopedPermissionRequiredMixin
from evidence.models import Submission

CSV_HEADER = ["when", "kind", "who", "what"]


class AuditFilterForm(forms.Form):
    kind = forms.MultipleChoiceField(
        label="Kinds of event",
        help_text="Leave every box clear to see every event.",
        choices=KINDS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select kinds of event from the list"},
    )


class AuditView(ScopedPermissionRequiredMixin, PageView):
    permission_required = "assessment.view_moderation"
    template_name = "assessment/audit.html"

    @cached_property
    def submission(self):
        return get_object_or_404(
            Submission.objects.select_related("ccg", "cycle"),
            cycle__slug=self.kwargs["cycle"],
            ccg__ods_code=self.kwargs["ods_code"].upper(),
        )

    @cached_property
    def form(self):
        return AuditFilterForm(self.request.GET or None)

    @cached_property
    def kinds(self) -> list[str]:
        return self.form.cleaned_data["kind"] if self.form.is_bound and self.form.is_valid() else []

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "csv":
            return self.csv_response()
        return super().get(request, *args, **kwargs)

    def csv_response(self):
        submission = self.submission
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="audit-{submission.cycle.slug}-{submission.ccg.ods_code}.csv"'
        )
        response["Cache-Control"] = "private, no-store"
        writer = csv.writer(response)
        writer.writerow(CSV_HEADER)
        for event in audit_events(submission, kinds=self.kinds):
            writer.writerow(
                [
                    timezone.localtime(event.at).isoformat(timespec="seconds"),
                    event.kind_label,
                    protect(event.actor_name),
                    protect(event.summary),
                ]
            )
        return response

    def get_context_data(self, **kwargs):
        submission = self.submission
        params = self.request.GET.copy()
        params.pop("format", None)
        if not self.form.is_valid():
            params.pop("kind", None)
        params["format"] = "csv"
        crumbs = [
            ("Home", reverse("home")),
            (
                f"Moderation {submission.cycle.label}",
                reverse("moderation:queue", kwargs={"cycle": submission.cycle.slug}),
            ),
        ]
        if submission.status == "submitted":
            crumbs.append(
                (
                    submission.ccg.name,
                    reverse(
                        "moderation:moderate",
                        kwargs={
                            "cycle": submission.cycle.slug,
                            "ods_code": submission.ccg.ods_code,
                        },
                    ),
                )
            )
        crumbs.append(("Audit", ""))
        return super().get_context_data(
            submission=submission,
            cycle=submission.cycle,
            form=self.form if self.form.is_bound else AuditFilterForm(),
            filtered=bool(self.kinds),
            events=audit_events(submission, kinds=self.kinds),
            csv_url=f"?{params.urlencode()}",
            clear_url=self.request.path,
            breadcrumbs=crumbs,
            **kwargs,
        )
