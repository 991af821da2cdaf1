"""Clarification pages: an assigned assessor asks the CCG a question about a criterion,
the CCG's lead answers it (and may add evidence to that criterion while it is open), and
the thread stays with the submission.

Every page finds the submission through ``submissions_visible_to(user)`` (outside scope
is 404) and checks a django-rules permission; ``assessment.clarifications`` checks again.
A CCG's own people are never shown which assessor asked (``shows_assessor_names``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import FormView

from accounts import permissions
from assessment import clarifications
from assessment.models import Clarification, Criterion
from common.views import PageView
from evidence import workflow
from evidence.mixins import ScopedSubmissionMixin
from evidence.models import EvidenceItem
from evidence.selectors import ItemView, open_clarification_for

# Forms: validation only; the services decide and write. ----------------------------------


class QuestionForm(forms.Form):
    question = forms.CharField(
        label="Your question for the CCG",
        help_text=(
            "Say what is missing or unclear in the evidence for this criterion. The CCG's "
            "engagement lead is e-mailed your question; they are told that an assessor asked, "
            f"not who. Up to {clarifications.QUESTION_MAX_LENGTH:,} characters."
        ),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=clarifications.QUESTION_MAX_LENGTH,
        error_messages={
            "required": "Enter your question",
            "max_length": (
                f"Your question must be {clarifications.QUESTION_MAX_LENGTH:,} characters or fewer"
            ),
        },
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="Your answer",
        help_text=(
            "The national assessment team will read your answer alongside your evidence. "
            f"Up to {clarifications.ANSWER_MAX_LENGTH:,} characters."
        ),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=clarifications.ANSWER_MAX_LENGTH,
        error_messages={
            "required": "Enter your answer",
            "max_length": (
                f"Your answer must be {clarifications.ANSWER_MAX_LENGTH:,} characters or fewer"
            ),
        },
    )


# Presenter -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClarificationRow:
    """One clarification as a given user may see it: who asked is a name or "An assessor"."""

    clarification: Clarification
    asked_by: str
    url: str
    can_open: bool
    can_answer: bool


# Views -----------------------------------------------------------------------------------


class SubmissionMixin(ScopedSubmissionMixin):
    permission_required = "evidence.view_submission"

    @property
    def submission_kwargs(self):
        return {"cycle": self.submission.cycle.slug, "ods_code": self.submission.ccg.ods_code}

    def list_url(self):
        return reverse("clarifications:list", kwargs=self.submission_kwargs)

    def detail_url(self, clarification):
        return reverse(
            "clarifications:detail", kwargs={**self.submission_kwargs, "pk": clarification.pk}
        )

    @cached_property
    def show_names(self):
        return clarifications.shows_assessor_names(self.request.user, self.submission)

    def crumbs(self, *trail):
        submission = self.submission
        base = [
            ("Home", reverse("home")),
            (f"{submission.ccg.name} {submission.cycle.label}", submission.get_absolute_url()),
        ]
        if not trail:
            return [*base, ("Clarification questions", "")]
        return [*base, ("Clarification questions", self.list_url()), *trail]

    def get_context_data(self, **kwargs):
        return super().get_context_data(submission=self.submission, **kwargs)


class AskView(SubmissionMixin, FormView):
    """An assigned assessor asks the CCG about one criterion of a submitted submission."""

    permission_required = "assessment.ask_clarification"
    form_class = QuestionForm
    template_name = "assessment/clarifications/ask.html"

    @cached_property
    def criterion(self):
        return get_object_or_404(
            Criterion.objects.select_related("domain"),
            domain__cycle=self.submission.cycle,
            code=self.kwargs["criterion"].upper(),
        )

    def safe_next(self) -> str:
        """The page to return to, if ``next`` is a local address; else an empty string."""
        candidate = self.request.POST.get("next") or self.request.GET.get("next") or ""
        if candidate and url_has_allowed_host_and_scheme(
            candidate,
            allowed_hosts={self.request.get_host()},
            require_https=self.request.is_secure(),
        ):
            return candidate
        return ""

    def get_context_data(self, **kwargs):
        waiting = open_clarification_for(self.submission, self.criterion)
        return super().get_context_data(
            criterion=self.criterion,
            waiting=waiting,
            waiting_url=(
                self.detail_url(waiting)
                if waiting is not None and waiting.asked_by_id == self.request.user.pk
                else ""
            ),
            next=self.safe_next(),
            cancel_url=self.safe_next() or self.list_url(),
            breadcrumbs=self.crumbs((f"Ask about {self.criterion.code}", "")),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            clarifications.ask_clarification(
                self.submission,
                self.criterion,
                question=form.cleaned_data["question"],
                actor=self.request.user,
            )
        except clarifications.ClarificationError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Your question on {self.criterion.code} has been sent to {self.submission.ccg.name}.",
        )
        return redirect(self.safe_next() or self.list_url())


class ListView(SubmissionMixin, PageView):
    """The submission's clarification thread, as far as the user may read it."""

    template_name = "assessment/clarifications/list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        rows = []
        for clarification in clarifications.clarifications_visible_to(user, self.submission):
            clarification.submission = self.submission  # already loaded, for the rules
            rows.append(
                ClarificationRow(
                    clarification=clarification,
                    asked_by=clarifications.asked_by_label(
                        clarification, user, show_names=self.show_names
                    ),
                    url=self.detail_url(clarification),
                    can_open=user.has_perm("assessment.view_clarification", clarification),
                    can_answer=user.has_perm("assessment.answer_clarification", clarification),
                )
            )
        return super().get_context_data(
            rows=rows,
            open_count=sum(1 for row in rows if row.clarification.is_open),
            is_ccg_person=bool(
                permissions.leads_submission(user, self.submission)
                or permissions.is_officer_of_submission(user, self.submission)
            ),
            breadcrumbs=self.crumbs(),
            **kwargs,
        )


class DetailView(SubmissionMixin, FormView):
    """One clarification: the lead answers it here; the assessor reads the answer and the
    evidence added to the criterion since the question was asked."""

    permission_required = "assessment.view_clarification"
    form_class = AnswerForm
    template_name = "assessment/clarifications/detail.html"

    @cached_property
    def clarification(self):
        clarification = get_object_or_404(
            Clarification.objects.select_related("criterion__domain", "asked_by", "answered_by"),
            pk=self.kwargs["pk"],
            submission=self.submission,
        )
        clarification.submission = self.submission
        return clarification

    def get_permission_object(self):
        return self.clarification

    @cached_property
    def can_answer(self):
        return self.request.user.has_perm("assessment.answer_clarification", self.clarification)

    def evidence_added(self) -> list[ItemView]:
        views = []
        for item in clarifications.evidence_added_since_asked(self.clarification):
            revisions = list(item.revisions.all())
            views.append(ItemView(item, revisions[0] if revisions else None, revisions))
        return views

    def get_context_data(self, **kwargs):
        clarification = self.clarification
        criterion = clarification.criterion
        context = {
            "clarification": clarification,
            "criterion": criterion,
            "asked_by": clarifications.asked_by_label(
                clarification, self.request.user, show_names=self.show_names
            ),
            "can_answer": self.can_answer,
            "evidence_added": self.evidence_added(),
            "breadcrumbs": self.crumbs((f"Question about {criterion.code}", "")),
        }
        if self.can_answer:
            current = EvidenceItem.objects.filter(
                submission=self.submission, criterion=criterion, removed_at__isnull=True
            ).count()
            args = {**self.submission_kwargs, "criterion": criterion.code}
            context |= {
                "has_room": current < workflow.MAX_ITEMS_PER_CRITERION,
                "max_items": workflow.MAX_ITEMS_PER_CRITERION,
                "add_file_url": reverse("evidence:add_file", kwargs=args),
                "add_link_url": reverse("evidence:add_link", kwargs=args),
            }
        return super().get_context_data(**context, **kwargs)

    def post(self, request, *args, **kwargs):
        if not self.can_answer:
            if not self.clarification.is_open and permissions.leads_clarification_ccg(
                request.user, self.clarification
            ):
                messages.info(request, "This question has already been answered.")
            else:
                messages.error(request, "Only the CCG's engagement lead can answer this question.")
            return redirect(request.path)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            clarifications.answer_clarification(
                self.clarification, answer=form.cleaned_data["answer"], actor=self.request.user
            )
        except clarifications.AlreadyAnswered as repeat:
            messages.info(self.request, str(repeat))
            return redirect(self.request.path)
        except clarifications.ClarificationError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(
            self.request,
            "Your answer has been sent to the national assessment team.",
        )
        return redirect(self.request.path)
