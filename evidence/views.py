"""Pages of evidence submission: the task list, domain pages, evidence forms, the
check-your-answers page, file downloads, and the national admin's extension form.

Every page finds its submission through ``submissions_visible_to(user)`` (outside
scope is 404) and checks a django-rules permission; the services check again.
"""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import FormView

from assessment.clarifications import clarifications_visible_to
from assessment.models import Criterion, Cycle, Rating
from common.views import PageView, ScopedPermissionRequiredMixin
from evidence import forms, services, workflow
from evidence.dashboard import dashboard_for
from evidence.filecheck import FileRefused
from evidence.mixins import ScopedSubmissionMixin
from evidence.models import EvidenceFile, EvidenceItem
from evidence.selectors import (
    open_clarification_for,
    submission_overview,
    submissions_visible_to,
)


class SubmissionListView(ScopedPermissionRequiredMixin, PageView):
    """The submissions a lead or accountable officer can open, latest cycle first."""

    template_name = "evidence/submission_list.html"

    def has_permission(self):
        return True  # the list is scoped by the selector

    def get_context_data(self, **kwargs):
        # A past cycle's published results imported by the national team have a
        # submission of their own but no evidence in this service: not listed here.
        submissions = (
            submissions_visible_to(self.request.user)
            .exclude(ratings__source=Rating.Source.IMPORTED)
            .order_by("-cycle__label", "ccg__name")
        )
        if self.request.user.has_perm("evidence.view_dashboard"):
            submissions = submissions.none()
        return super().get_context_data(
            submissions=submissions,
            breadcrumbs=[("Home", reverse("home")), ("Evidence submissions", "")],
            **kwargs,
        )


class SubmissionMixin(ScopedSubmissionMixin):
    permission_required = "evidence.view_submission"

    @cached_property
    def can_edit(self):
        return self.request.user.has_perm("evidence.edit_submission", self.submission)

    def crumbs(self, *trail):
        base = [
            ("Home", reverse("home")),
            (
                f"{self.submission.ccg.name} {self.submission.cycle.label}",
                self.submission.get_absolute_url(),
            ),
        ]
        return base + list(trail)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            submission=self.submission, can_edit=self.can_edit, **kwargs
        )


class EditMixin(SubmissionMixin):
    """Pages that change the submission: the CCG's lead, while the draft is open."""

    permission_required = "evidence.edit_submission"

    def handle_no_permission(self):
        if self.request.user.is_authenticated and self.request.user.has_perm(
            "evidence.view_submission", self.submission
        ):
            messages.error(self.request, self.closed_message())
            return redirect(self.submission.get_absolute_url())
        return super().handle_no_permission()

    def closed_message(self):
        if self.submission.status == workflow.Status.SUBMITTED:
            return "This submission has been submitted and can no longer be changed."
        if not self.submission.is_editable():
            return (
                f"The deadline ({self.submission.deadline:%d %B %Y}) has passed. "
                "Ask the national team for an extension."
            )
        return "Only the CCG's engagement lead can change this submission."


class OverviewView(SubmissionMixin, PageView):
    template_name = "evidence/overview.html"

    def get_context_data(self, **kwargs):
        overview = submission_overview(self.submission)
        tasks = []
        for view in overview.domains:
            with_evidence = sum(1 for c in view.criteria if c.items)
            progress = view.progress
            tasks.append(
                {
                    "title": f"Domain {view.domain.code}: {view.domain.name}",
                    "url": reverse(
                        "evidence:domain", kwargs={**self.kwargs, "domain": view.domain.code}
                    ),
                    "hint": f"{with_evidence} of {len(view.criteria)} criteria have evidence; "
                    + (
                        "narrative written"
                        if view.narrative and view.narrative.text
                        else "no narrative yet"
                    ),
                    "status_text": progress.value,
                    "status_colour": "blue"
                    if progress == workflow.Progress.IN_PROGRESS
                    else "grey",
                    "completed": progress == workflow.Progress.COMPLETE,
                }
            )
        crumbs = self.crumbs()
        return super().get_context_data(
            overview=overview,
            tasks=tasks,
            clarifications=clarifications_visible_to(self.request.user, self.submission),
            review_url=(
                reverse(
                    "reviews:request",
                    kwargs={"cycle": self.kwargs["cycle"], "ods_code": self.kwargs["ods_code"]},
                )
                if self.submission.cycle.is_released()
                and self.request.user.has_perm("assessment.request_review", self.submission)
                else ""
            ),
            events=self.submission.events.select_related("actor").order_by("-at", "-pk")[:20],
            breadcrumbs=[*crumbs[:-1], (crumbs[-1][0], "")],
            **kwargs,
        )


class DomainMixin(SubmissionMixin):
    @cached_property
    def domain_view(self):
        overview = submission_overview(self.submission)
        try:
            return overview.domain(self.kwargs["domain"].upper())
        except StopIteration:
            raise Http404("No such domain") from None


class DomainView(DomainMixin, PageView):
    template_name = "evidence/domain.html"

    def get_context_data(self, **kwargs):
        domain = self.domain_view.domain
        return super().get_context_data(
            view=self.domain_view,
            open_questions=clarifications_visible_to(self.request.user, self.submission).filter(
                criterion__domain=domain, answered_at__isnull=True
            ),
            breadcrumbs=self.crumbs((f"Domain {domain.code}", "")),
            **kwargs,
        )


class NarrativeView(EditMixin, DomainMixin, FormView):
    form_class = forms.NarrativeForm
    template_name = "evidence/narrative_form.html"

    def get_initial(self):
        narrative = self.domain_view.narrative
        return {
            "text": narrative.text if narrative else "",
            "version": narrative.version if narrative else 0,
        }

    def form_valid(self, form):
        try:
            services.save_narrative(
                self.submission,
                self.domain_view.domain,
                form.cleaned_data["text"],
                actor=self.request.user,
                expected_version=form.cleaned_data["version"],
            )
        except services.EditConflict as conflict:
            # Keep their text; take the newer version number so that saving again is a
            # deliberate overwrite of what they have now seen.
            data = form.data.copy()
            data["version"] = conflict.current.version
            form = self.form_class(data)
            form.is_valid()
            form.add_error(None, str(conflict))
            return self.render_to_response(self.get_context_data(form=form, newer=conflict.current))
        except services.SubmissionError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(
            self.request, f"Narrative for domain {self.domain_view.domain.code} saved."
        )
        return redirect(self.domain_url())

    def domain_url(self):
        return reverse(
            "evidence:domain",
            kwargs={**self.kwargs},
        )

    def get_context_data(self, **kwargs):
        domain = self.domain_view.domain
        return super().get_context_data(
            view=self.domain_view,
            breadcrumbs=self.crumbs(
                (f"Domain {domain.code}", self.domain_url()), ("Narrative", "")
            ),
            **kwargs,
        )


class EvidenceFormMixin(EditMixin):
    """Forms about one criterion: they return to its domain page."""

    def apply(self, form, action):
        """Run one service call; a refusal goes back into the form (nothing saved is lost)
        and the result is None."""
        try:
            return action()
        except FileRefused as refused:
            form.add_error("file", str(refused))
        except services.SubmissionError as error:
            form.add_error(None, str(error))
        return None

    @property
    def target_criterion(self):
        raise NotImplementedError

    def domain_url(self):
        return reverse(
            "evidence:domain",
            kwargs={
                "cycle": self.kwargs["cycle"],
                "ods_code": self.kwargs["ods_code"],
                "domain": self.target_criterion.domain.code,
            },
        )

    def get_context_data(self, **kwargs):
        criterion = self.target_criterion
        return super().get_context_data(
            criterion=criterion,
            breadcrumbs=self.crumbs(
                (f"Domain {criterion.domain.code}", self.domain_url()), (self.title, "")
            ),
            **kwargs,
        )


class CriterionMixin(EvidenceFormMixin):
    @cached_property
    def criterion(self):
        return get_object_or_404(
            Criterion.objects.select_related("domain"),
            domain__cycle=self.submission.cycle,
            code=self.kwargs["criterion"].upper(),
        )

    @property
    def target_criterion(self):
        return self.criterion

    def has_permission(self):
        """The open draft, or one criterion an assessor has asked about (clarification)."""
        if super().has_permission():
            return True
        clarification = open_clarification_for(self.submission, self.criterion)
        return clarification is not None and self.request.user.has_perm(
            "assessment.answer_clarification", clarification
        )


class AddLinkView(CriterionMixin, FormView):
    form_class = forms.LinkForm
    template_name = "evidence/evidence_form.html"
    title = "Add a link"

    def form_valid(self, form):
        item = self.apply(
            form,
            lambda: services.add_link(
                self.submission,
                self.criterion,
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                actor=self.request.user,
            ),
        )
        if item is None:
            return self.form_invalid(form)
        messages.success(self.request, f"Link added to {self.criterion.code}.")
        return redirect(self.domain_url())


class AddFileView(CriterionMixin, FormView):
    form_class = forms.FileForm
    template_name = "evidence/evidence_form.html"
    title = "Upload a file"

    def form_valid(self, form):
        item = self.apply(
            form,
            lambda: services.add_file(
                self.submission,
                self.criterion,
                upload=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
                actor=self.request.user,
            ),
        )
        if item is None:
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{item.revisions.get().display_name} added to {self.criterion.code}.",
        )
        return redirect(self.domain_url())


class ItemMixin(EvidenceFormMixin):
    @cached_property
    def item(self):
        return get_object_or_404(
            EvidenceItem.objects.select_related("criterion__domain"),
            pk=self.kwargs["item"],
            submission=self.submission,
            removed_at__isnull=True,
        )

    @property
    def target_criterion(self):
        return self.item.criterion

    def get_context_data(self, **kwargs):
        return super().get_context_data(item=self.item, **kwargs)


class ReplaceFileView(ItemMixin, FormView):
    form_class = forms.ReplaceFileForm
    template_name = "evidence/evidence_form.html"
    title = "Replace a file"

    def form_valid(self, form):
        new = self.apply(
            form,
            lambda: services.replace_file(
                self.item, upload=form.cleaned_data["file"], actor=self.request.user
            ),
        )
        if new is None:
            return self.form_invalid(form)
        messages.success(self.request, f"{new.display_name} is now revision {new.revision}.")
        return redirect(self.domain_url())


class RemoveItemView(ItemMixin, PageView):
    template_name = "evidence/remove_item.html"
    title = "Remove evidence"

    def post(self, request, *args, **kwargs):
        removed = (
            EvidenceItem.objects.filter(
                pk=self.kwargs["item"], submission=self.submission, removed_at__isnull=False
            )
            .select_related("criterion__domain")
            .first()
        )
        if removed is not None:  # removed already (the form sent twice): say so
            messages.info(
                request, f"This evidence has already been removed from {removed.criterion.code}."
            )
            return redirect(
                reverse(
                    "evidence:domain",
                    kwargs={
                        "cycle": self.kwargs["cycle"],
                        "ods_code": self.kwargs["ods_code"],
                        "domain": removed.criterion.domain.code,
                    },
                )
            )
        try:
            services.remove_item(self.item, actor=request.user)
        except services.SubmissionError as error:
            messages.error(request, str(error))
            return redirect(self.domain_url())
        messages.success(request, f"Evidence removed from {self.item.criterion.code}.")
        return redirect(self.domain_url())


class DownloadView(SubmissionMixin, PageView):
    """A stored file, only through this permission check, always as an attachment."""

    def get(self, request, *args, **kwargs):
        evidence_file = get_object_or_404(
            EvidenceFile, pk=self.kwargs["file"], item__submission=self.submission
        )
        response = FileResponse(
            evidence_file.file.open("rb"),
            as_attachment=True,
            filename=evidence_file.display_name,
            content_type=evidence_file.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class CheckAnswersView(SubmissionMixin, PageView):
    template_name = "evidence/check_answers.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            overview=submission_overview(self.submission),
            breadcrumbs=self.crumbs(("Check your answers", "")),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        # The service decides: a repeat is a no-op with a message, others are refused.
        try:
            result = services.apply_action(
                self.submission, workflow.Action.SUBMIT, actor=request.user
            )
        except services.SubmissionError as error:
            messages.error(request, str(error))
            return redirect(request.path)
        if not result.changed:
            messages.info(request, result.message)
            return redirect(self.submission.get_absolute_url())
        return redirect(
            reverse(
                "evidence:submitted",
                kwargs={"cycle": self.kwargs["cycle"], "ods_code": self.kwargs["ods_code"]},
            )
        )


class SubmittedView(SubmissionMixin, PageView):
    template_name = "evidence/submitted.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(breadcrumbs=self.crumbs(("Submitted", "")), **kwargs)


class ExtensionView(SubmissionMixin, FormView):
    permission_required = "evidence.grant_extension"
    form_class = forms.ExtensionForm
    template_name = "evidence/extension_form.html"

    def get_initial(self):
        return {"until": self.submission.extension_until}

    def form_valid(self, form):
        try:
            services.grant_extension(
                self.submission,
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
                actor=self.request.user,
            )
        except services.SubmissionError as error:
            form.add_error("until", str(error))
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{self.submission.ccg.name} can now submit until "
            f"{form.cleaned_data['until']:%d %B %Y}.",
        )
        return redirect(self.submission.get_absolute_url())

    def get_context_data(self, **kwargs):
        return super().get_context_data(breadcrumbs=self.crumbs(("Extension", "")), **kwargs)


class DashboardView(ScopedPermissionRequiredMixin, PageView):
    """Where every CCG's evidence stands: counts, regions, overdue CCGs, progress over time."""

    permission_required = "evidence.view_dashboard"
    template_name = "evidence/dashboard.html"

    def get_context_data(self, **kwargs):
        cycle = get_object_or_404(Cycle, slug=self.kwargs["cycle"])
        today = timezone.localdate()
        return super().get_context_data(
            cycle=cycle,
            today=today,
            dashboard=dashboard_for(cycle, today),
            breadcrumbs=[("Home", reverse("home")), (f"Submissions {cycle.label}", "")],
            **kwargs,
        )
