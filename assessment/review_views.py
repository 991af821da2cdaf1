"""Review pages: the accountable officer asks for a review of a released rating; moderators
who took no part in it see the requests and decide them."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import FormView

from assessment import reviews
from assessment.forms import SCORE_CHOICES
from assessment.models import Cycle, ReviewRequest
from assessment.moderation import current_rating
from common.views import PageView, ScopedPermissionRequiredMixin
from evidence.mixins import ScopedSubmissionMixin


class RequestForm(forms.Form):
    grounds = forms.CharField(
        label="Why should the rating be reviewed?",
        help_text="Say which domains you think were scored wrongly, and point to the evidence.",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        error_messages={"required": "Give the grounds for the review"},
    )


class DecideForm(forms.Form):
    reasons = forms.CharField(
        label="Reasons for the outcome",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        error_messages={"required": "Give the reasons for the outcome"},
    )

    def __init__(self, *args, domains=(), **kwargs):
        super().__init__(*args, **kwargs)
        for domain in domains:
            self.fields[f"score_{domain.code}"] = forms.TypedChoiceField(
                label=f"Score for domain {domain.code}: {domain.name}",
                choices=SCORE_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": f"Choose the score for domain {domain.code}"},
            )


class RequestReviewView(ScopedSubmissionMixin, FormView):
    permission_required = "assessment.request_review"
    template_name = "assessment/reviews/request.html"
    form_class = RequestForm

    def form_valid(self, form):
        try:
            reviews.request_review(
                self.submission, grounds=form.cleaned_data["grounds"], actor=self.request.user
            )
        except reviews.ReviewError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, "Your request for a review has been sent.")
        return redirect(self.request.path)

    def get_context_data(self, **kwargs):
        released = self.submission.cycle.is_released()
        return super().get_context_data(
            submission=self.submission,
            rating=current_rating(self.submission) if released else None,
            can_request=reviews.can_request_review(self.submission, self.request.user),
            requests=self.submission.reviews.select_related("new_rating").order_by("-requested_at"),
            breadcrumbs=[
                ("Home", reverse("home")),
                (self.submission.ccg.name, self.submission.get_absolute_url()),
                ("Review of the rating", ""),
            ],
            **kwargs,
        )


class ReviewListView(ScopedPermissionRequiredMixin, PageView):
    permission_required = "assessment.view_moderation"
    template_name = "assessment/reviews/list.html"

    def get_context_data(self, **kwargs):
        cycle = get_object_or_404(Cycle, slug=self.kwargs["cycle"])
        return super().get_context_data(
            cycle=cycle,
            requests=ReviewRequest.objects.filter(submission__cycle=cycle)
            .select_related("submission__ccg", "rating", "new_rating", "reviewer")
            .order_by("decided_at", "requested_at"),
            breadcrumbs=[("Home", reverse("home")), (f"Reviews {cycle.label}", "")],
            **kwargs,
        )


class DecideReviewView(ScopedPermissionRequiredMixin, FormView):
    permission_required = "assessment.view_moderation"
    template_name = "assessment/reviews/decide.html"
    form_class = DecideForm

    @cached_property
    def review(self):
        return get_object_or_404(
            ReviewRequest.objects.select_related("submission__ccg", "submission__cycle", "rating"),
            pk=self.kwargs["pk"],
            submission__cycle__slug=self.kwargs["cycle"],
        )

    @cached_property
    def domains(self):
        return list(self.review.submission.cycle.domains.order_by("code"))

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "domains": self.domains}

    def get_initial(self):
        return {f"score_{code}": score for code, score in self.review.rating.scores.items()}

    def form_valid(self, form):
        scores = {d.code: form.cleaned_data[f"score_{d.code}"] for d in self.domains}
        try:
            rating = reviews.decide_review(
                self.review, scores=scores, reasons=form.cleaned_data["reasons"],
                actor=self.request.user,
            )  # fmt: skip
        except reviews.ReviewError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        except reviews.PermissionDenied:
            form.add_error(None, "You took part in this rating, so you cannot review it.")
            return self.form_invalid(form)
        messages.success(self.request, f"Review decided: {rating.total} {rating.band_label}.")
        return redirect(self.request.path)

    def get_context_data(self, **kwargs):
        cycle = self.review.submission.cycle
        return super().get_context_data(
            review=self.review,
            can_decide=self.review.is_open
            and self.request.user.has_perm("assessment.decide_review", self.review),
            breadcrumbs=[
                ("Home", reverse("home")),
                (f"Reviews {cycle.label}", reverse("reviews:list", kwargs={"cycle": cycle.slug})),
                (self.review.submission.ccg.name, ""),
            ],
            **kwargs,
        )
