"""The assessor's pages: their queue, a submission's scoring overview, the domain scoring
form and submitting. Scope: only CCGs assigned to them (404 otherwise), read through
``submissions_visible_to``; every write goes through ``assessment.services``."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import FormView

from assessment import services, workflow
from assessment.forms import DomainAssessmentForm
from assessment.models import Assessment, ScoreEvent
from assessment.selectors import assessment_summaries, assessor_queue, domain_assessment
from common.views import PageView, ScopedPermissionRequiredMixin
from evidence.mixins import ScopedSubmissionMixin

CLARIFY_URL_NAME = "clarifications:ask"


class QueueView(ScopedPermissionRequiredMixin, PageView):
    permission_required = "assessment.view_queue"
    template_name = "assessment/queue.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            assignments=assessor_queue(self.request.user),
            breadcrumbs=[("Home", reverse("home")), ("Your assessments", "")],
            **kwargs,
        )


class AssessmentMixin(ScopedSubmissionMixin):
    permission_required = "assessment.assess_submission"

    @cached_property
    def assessment(self):
        return services.open_assessment(self.submission, actor=self.request.user)

    def overview_url(self):
        return reverse(
            "assessors:overview",
            kwargs={"cycle": self.kwargs["cycle"], "ods_code": self.kwargs["ods_code"]},
        )

    def crumbs(self, *trail):
        return [
            ("Home", reverse("home")),
            ("Your assessments", reverse("assessors:queue")),
            (self.submission.ccg.name, self.overview_url()),
            *trail,
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            submission=self.submission, assessment=self.assessment, **kwargs
        )


class OverviewView(AssessmentMixin, PageView):
    template_name = "assessment/assessment_overview.html"

    def get_context_data(self, **kwargs):
        own = assessment_summaries(self.submission, [self.assessment])[0]
        others = []
        if self.request.user.has_perm("assessment.view_other_assessments", self.submission):
            others = assessment_summaries(
                self.submission,
                list(
                    Assessment.objects.filter(submission=self.submission)
                    .exclude(pk=self.assessment.pk)
                    .select_related("assessor")
                ),
            )
        domains = list(self.submission.cycle.domains.order_by("code"))
        crumbs = self.crumbs()
        return super().get_context_data(
            own=own,
            others=others,
            domains=domains,
            can_edit=self.assessment.status == workflow.Status.DRAFT,
            history=ScoreEvent.objects.filter(assessment=self.assessment)
            .select_related("domain", "actor")
            .order_by("-at", "-pk"),
            breadcrumbs=[*crumbs[:-1], (crumbs[-1][0], "")],
            **kwargs,
        )


class DomainView(AssessmentMixin, FormView):
    template_name = "assessment/assessment_domain.html"
    form_class = DomainAssessmentForm

    @cached_property
    def view(self):
        try:
            return domain_assessment(
                self.submission, self.assessment, self.kwargs["domain"].upper()
            )
        except StopIteration:
            from django.http import Http404

            raise Http404("No such domain") from None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "criteria": [c.criterion for c in self.view.criteria]}

    def get_initial(self):
        initial = {}
        if self.view.score is not None:
            initial.update(
                score=self.view.score.score,
                rationale=self.view.score.rationale,
                improvement_points=self.view.score.improvement_points,
                good_practice=self.view.score.good_practice,
            )
        for c in self.view.criteria:
            if c.finding is not None:
                initial[f"finding_{c.criterion.pk}"] = c.finding.finding
                initial[f"note_{c.criterion.pk}"] = c.finding.note
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.save_domain(
                self.assessment,
                self.view.domain,
                score=data["score"],
                rationale=data["rationale"],
                improvement_points=data["improvement_points"],
                good_practice=data["good_practice"],
                findings=[
                    services.FindingInput(
                        c.criterion.pk,
                        data[f"finding_{c.criterion.pk}"],
                        data[f"note_{c.criterion.pk}"],
                    )
                    for c in self.view.criteria
                ],
                actor=self.request.user,
            )
        except services.AssessmentError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, f"Domain {self.view.domain.code} saved as a draft.")
        return redirect(self.overview_url())

    def get_context_data(self, **kwargs):
        domain = self.view.domain
        context = super().get_context_data(
            view=self.view,
            can_edit=self.assessment.status == workflow.Status.DRAFT,
            clarify_url_name=CLARIFY_URL_NAME,
            breadcrumbs=self.crumbs((f"Domain {domain.code}", "")),
            **kwargs,
        )
        form = context["form"]
        context["rows"] = [
            (c, form[f"finding_{c.criterion.pk}"], form[f"note_{c.criterion.pk}"])
            for c in self.view.criteria
        ]
        return context

    def post(self, request, *args, **kwargs):
        if self.assessment.status != workflow.Status.DRAFT:
            messages.error(request, "You have submitted this assessment: it can no longer change.")
            return redirect(self.overview_url())
        return super().post(request, *args, **kwargs)


class SubmitView(AssessmentMixin, PageView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            result = services.apply_assessment_action(
                self.assessment, workflow.Action.SUBMIT, actor=request.user
            )
        except services.AssessmentError as error:
            messages.error(request, str(error))
            return redirect(self.overview_url())
        (messages.success if result.changed else messages.info)(request, result.message)
        return redirect(self.overview_url())
