"""Pages of assignment: the national admin's assignment page for a cycle (loads, CCGs short
of assessors, assigning one, a CSV upload, automatic assignment, unassigning, the CSV
download) and the assessor's conflicts-of-interest page.

Every page declares a django-rules permission through ``ScopedPermissionRequiredMixin``
(anything outside it is 404); the services in ``assessment/assignments.py`` check again
and say why they refuse. The forms are here, beside the only pages that use them.
"""

from __future__ import annotations

import csv

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import FormView

from accounts.models import User
from assessment import assignments
from assessment.models import Assignment, ConflictDeclaration, Cycle
from assessment.selectors import current_cycle
from ccgs.models import CCG, STP, Region
from common.spreadsheet import protect
from common.views import PageView, ScopedPermissionRequiredMixin
from evidence.models import Submission

AUTO_REPORT_KEY = "assignments:auto_report"
MAX_CSV_BYTES = 1024 * 1024  # a CSV of every CCG twice is about 12 KB


# --------------------------------------------------------------------------- forms


class AssignForm(forms.Form):
    submission = forms.ModelChoiceField(
        label="CCG",
        queryset=Submission.objects.none(),
        empty_label="Choose a CCG",
        error_messages={"required": "Choose a CCG"},
    )
    assessor = forms.ModelChoiceField(
        label="Assessor",
        queryset=User.objects.none(),
        empty_label="Choose an assessor",
        error_messages={"required": "Choose an assessor"},
    )

    def __init__(self, *args, cycle: Cycle, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["submission"]
        field.queryset = (
            Submission.objects.filter(cycle=cycle, status=Submission.Status.SUBMITTED)
            .select_related("ccg")
            .order_by("ccg__name")
        )
        field.label_from_instance = lambda s: f"{s.ccg.name} ({s.ccg.ods_code})"
        field = self.fields["assessor"]
        field.queryset = User.objects.filter(is_assessor=True, is_active=True).order_by(
            "full_name", "email"
        )
        field.label_from_instance = lambda u: f"{u} ({u.email})"


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Upload a CSV file",
        help_text="The first line must be the header <code>ods_code,assessor_email</code>, "
        "then one line per assignment, for example <code>07J,grace.assessor@nhs.net</code>. "
        "If any line is wrong, nothing is assigned and every wrong line is listed.",
        error_messages={"required": "Select a CSV file to upload"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError("The CSV file must be smaller than 1 MB")
        try:
            self.cleaned_data["text"] = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                "The selected file must be a CSV file saved as UTF-8 text"
            ) from None
        return upload


class ConflictForm(forms.Form):
    ccg = forms.ModelChoiceField(
        label="A CCG", queryset=CCG.objects.none(), required=False, empty_label="No CCG"
    )
    stp = forms.ModelChoiceField(
        label="Or an STP", queryset=STP.objects.none(), required=False, empty_label="No STP"
    )
    region = forms.ModelChoiceField(
        label="Or a whole NHS region",
        queryset=Region.objects.none(),
        required=False,
        empty_label="No region",
    )
    reason = forms.CharField(
        label="Why do you have a conflict of interest?",
        help_text="For example, 'I was a governing body member of this CCG until 2019'. "
        "Up to 500 characters.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        error_messages={
            "required": "Say why you have a conflict of interest",
            "max_length": "The reason must be 500 characters or fewer",
        },
    )

    def __init__(self, *args, cycle: Cycle, **kwargs):
        super().__init__(*args, **kwargs)
        ccgs = CCG.objects.filter(register_entries__year=cycle.register_year)
        self.fields["ccg"].queryset = ccgs.order_by("name")
        self.fields["ccg"].label_from_instance = lambda c: f"{c.name} ({c.ods_code})"
        self.fields["stp"].queryset = STP.objects.filter(ccgs__in=ccgs).distinct().order_by("name")
        self.fields["region"].queryset = (
            Region.objects.filter(stps__ccgs__in=ccgs).distinct().order_by("name")
        )

    def clean(self):
        data = super().clean()
        chosen = [name for name in ("ccg", "stp", "region") if data.get(name)]
        if not chosen and not any(self.has_error(n) for n in ("ccg", "stp", "region")):
            self.add_error("ccg", "Choose a CCG, an STP or an NHS region")
        elif len(chosen) > 1:
            self.add_error("ccg", "Choose only one: a CCG, an STP or an NHS region")
        return data


# --------------------------------------------------------------------------- admin pages


class CycleMixin(ScopedPermissionRequiredMixin):
    permission_required = "assessment.manage_assignments"

    @cached_property
    def cycle(self):
        return get_object_or_404(Cycle, slug=self.kwargs["cycle"])

    def page_url(self):
        return reverse("assignments:cycle", kwargs={"cycle": self.cycle.slug})

    def crumbs(self, *trail):
        title = f"Assign assessors {self.cycle.label}"
        if not trail:
            return [("Home", reverse("home")), (title, "")]
        return [("Home", reverse("home")), (title, self.page_url()), *trail]


class AssignmentPageMixin(CycleMixin):
    """The assignment page, which the assign and upload forms re-render with their errors."""

    template_name = "assessment/assignments/cycle.html"

    def page_context(self, assign_form=None, upload_form=None, **extra):
        overview = assignments.assignment_overview(self.cycle)
        return {
            "cycle": self.cycle,
            "overview": overview,
            "assign_form": assign_form if assign_form is not None else AssignForm(cycle=self.cycle),
            "upload_form": upload_form if upload_form is not None else UploadForm(),
            "form": assign_form if assign_form is not None else upload_form,  # error summary
            "auto_report": self.request.session.pop(AUTO_REPORT_KEY, None),
            "breadcrumbs": self.crumbs(),
            **extra,
        }


class CycleAssignmentsView(AssignmentPageMixin, PageView):
    def get_context_data(self, **kwargs):
        return self.page_context()


class AssignView(AssignmentPageMixin, FormView):
    http_method_names = ["post"]
    form_class = AssignForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "cycle": self.cycle}

    def get_context_data(self, **kwargs):
        return self.page_context(assign_form=kwargs.get("form"))

    def form_valid(self, form):
        try:
            assignment = assignments.assign(
                form.cleaned_data["submission"],
                form.cleaned_data["assessor"],
                actor=self.request.user,
            )
        except assignments.AssignmentRefused as refused:
            # On the field it is about, so that the error summary links to the form.
            field = {"ccg": "submission", "assessor": "assessor"}.get(refused.about)
            form.add_error(field, refused.reason)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{assignment.assessor} is now assigned to {assignment.submission.ccg.name}.",
        )
        return redirect(self.page_url())


class UploadView(AssignmentPageMixin, FormView):
    http_method_names = ["post"]
    form_class = UploadForm

    def get_context_data(self, **kwargs):
        return self.page_context(upload_form=kwargs.get("form"))

    def form_valid(self, form):
        try:
            report = assignments.import_assignments_csv(
                self.cycle, form.cleaned_data["text"], actor=self.request.user
            )
        except assignments.CsvRefused as refused:
            for problem in refused.problems:
                form.add_error("file", problem)
            return self.form_invalid(form)
        messages.success(self.request, report.summary())
        return redirect(self.page_url())


class AutoAssignView(CycleMixin, PageView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        report = assignments.auto_assign(self.cycle, actor=request.user)
        request.session[AUTO_REPORT_KEY] = report.as_dict()
        messages.success(request, report.summary())
        return redirect(self.page_url() + "#auto-result")


class UnassignView(CycleMixin, PageView):
    template_name = "assessment/assignments/unassign.html"

    @cached_property
    def assignment(self):
        return get_object_or_404(
            Assignment.objects.select_related("submission__ccg", "assessor"),
            pk=self.kwargs["pk"],
            submission__cycle=self.cycle,
        )

    def get_context_data(self, **kwargs):
        if self.assignment.unassigned_at is not None:
            raise Http404("This assignment has ended.")
        return super().get_context_data(
            cycle=self.cycle,
            assignment=self.assignment,
            assessment=self.assignment.submission.assessments.filter(
                assessor=self.assignment.assessor
            ).first(),
            breadcrumbs=self.crumbs(("Unassign", "")),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        # Posted twice, the second answer says the assessor was already unassigned.
        result = assignments.unassign(self.assignment, actor=request.user)
        (messages.success if result.changed else messages.info)(request, result.message)
        return redirect(self.page_url())


class ExportView(CycleMixin, PageView):
    """The cycle's active assignments as CSV; the first two columns can be uploaded again."""

    def get(self, request, *args, **kwargs):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = (
            f'attachment; filename="assignments-{self.cycle.slug}-{stamp}.csv"'
        )
        response["Cache-Control"] = "private, no-store"
        writer = csv.writer(response)
        writer.writerow(
            [*assignments.CSV_HEADER, "ccg_name", "nhs_region", "assessor_name", "method",
             "assigned_at"]
        )  # fmt: skip
        for assignment in assignments.assignments_for_export(self.cycle):
            ccg = assignment.submission.ccg
            writer.writerow(
                [
                    protect(cell)
                    for cell in (
                        ccg.ods_code,
                        assignment.assessor.email,
                        ccg.name,
                        ccg.stp.region.name,
                        str(assignment.assessor),
                        assignment.method,
                        timezone.localtime(assignment.assigned_at).isoformat(timespec="seconds"),
                    )
                ]
            )
        return response


# --------------------------------------------------------------------------- assessor pages


class ConflictsView(ScopedPermissionRequiredMixin, FormView):
    """An assessor's declarations for the current cycle, and the form to declare another."""

    permission_required = "assessment.declare_conflicts"
    template_name = "assessment/assignments/conflicts.html"
    form_class = ConflictForm

    @cached_property
    def cycle(self):
        return current_cycle()

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "cycle": self.cycle}

    def get_form(self, form_class=None):
        return super().get_form(form_class) if self.cycle else None

    def post(self, request, *args, **kwargs):
        if self.cycle is None:
            return redirect(request.path)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            result = assignments.declare_conflict(
                self.request.user,
                self.cycle,
                ccg=form.cleaned_data["ccg"],
                stp=form.cleaned_data["stp"],
                region=form.cleaned_data["region"],
                reason=form.cleaned_data["reason"],
                actor=self.request.user,
            )
        except assignments.ConflictRefused as refused:
            form.add_error(None, str(refused))
            return self.form_invalid(form)
        if result.created:
            messages.success(self.request, result.message)
        else:
            messages.info(self.request, result.message)
        return redirect(self.request.path)

    def get_context_data(self, **kwargs):
        declarations = (
            ConflictDeclaration.objects.filter(assessor=self.request.user, cycle=self.cycle)
            .select_related("ccg", "stp", "region")
            .order_by("declared_at", "pk")
            if self.cycle
            else ConflictDeclaration.objects.none()
        )
        return super().get_context_data(
            cycle=self.cycle,
            declarations=declarations,
            breadcrumbs=[("Home", reverse("home")), ("Your conflicts of interest", "")],
            **kwargs,
        )


class WithdrawConflictView(ScopedPermissionRequiredMixin, PageView):
    permission_required = "assessment.declare_conflicts"
    template_name = "assessment/assignments/withdraw_conflict.html"

    @cached_property
    def declaration(self):
        return get_object_or_404(
            ConflictDeclaration.objects.select_related("ccg", "stp", "region", "cycle"),
            pk=self.kwargs["pk"],
            assessor=self.request.user,
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            declaration=self.declaration,
            breadcrumbs=[
                ("Home", reverse("home")),
                ("Your conflicts of interest", reverse("assignments:conflicts")),
                ("Withdraw", ""),
            ],
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        message = assignments.withdraw_conflict(self.declaration, actor=request.user)
        messages.success(request, message)
        return redirect("assignments:conflicts")
