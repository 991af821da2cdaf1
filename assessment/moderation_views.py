"""Moderators' pages: the triaged queue of a cycle, and one CCG's moderation (both
assessors side by side, agreed scores with reasons, propose, confirm or send back)."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import FormView

from assessment import moderation as services
from assessment import scoring, workflow
from assessment.models import Assessment, Cycle, DomainScore
from assessment.moderation_forms import AgreedScoresForm, SendBackForm
from assessment.selectors import moderation_queue
from assessment.triage import boundary_sensitivity
from common.views import PageView, ScopedPermissionRequiredMixin
from evidence.models import Submission


class QueueView(ScopedPermissionRequiredMixin, PageView):
    permission_required = "assessment.view_moderation"
    template_name = "assessment/moderation/queue.html"

    @cached_property
    def cycle(self):
        return get_object_or_404(Cycle, slug=self.kwargs["cycle"])

    def get_context_data(self, **kwargs):
        seed = services.ensure_sample_seed(self.cycle)
        rows = moderation_queue(self.cycle, seed=seed)
        bulk = [r for r in rows if not r.reasons and r.scores[0] == r.scores[1]]
        return super().get_context_data(
            cycle=self.cycle,
            seed=seed,
            rows=rows,
            bulk_to_propose=[r for r in bulk if r.moderation is None],
            bulk_to_confirm=[
                r
                for r in bulk
                if r.moderation is not None
                and r.moderation.status == "proposed"
                and r.moderation.proposed_by_id != self.request.user.pk
            ],
            is_moderator=self.request.user.has_perm("assessment.moderate_ratings"),
            to_moderate=[r for r in rows if r.reasons and not r.rating],
            agreed_open=[r for r in rows if not r.reasons and not r.moderation_status],
            breadcrumbs=[("Home", reverse("home")), (f"Moderation {self.cycle.label}", "")],
            **kwargs,
        )


class BulkView(ScopedPermissionRequiredMixin, PageView):
    """POST only: propose, or confirm, the agreed cases that need no judgement."""

    permission_required = "assessment.view_moderation"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        cycle = get_object_or_404(Cycle, slug=self.kwargs["cycle"])
        if not request.user.has_perm("assessment.moderate_ratings"):
            messages.error(request, "Only moderators can propose or confirm ratings.")
        elif request.POST.get("action") == "confirm":
            messages.success(
                request, services.confirm_in_bulk(cycle, actor=request.user).summary("Confirmed")
            )
        else:
            messages.success(
                request, services.propose_in_bulk(cycle, actor=request.user).summary("Proposed")
            )
        return redirect(reverse("moderation:queue", kwargs={"cycle": cycle.slug}))


class ModerationView(ScopedPermissionRequiredMixin, FormView):
    permission_required = "assessment.view_moderation"
    template_name = "assessment/moderation/moderate.html"
    form_class = AgreedScoresForm

    @cached_property
    def submission(self):
        return get_object_or_404(
            Submission.objects.select_related("ccg", "cycle"),
            cycle__slug=self.kwargs["cycle"],
            ccg__ods_code=self.kwargs["ods_code"].upper(),
            status="submitted",
        )

    @cached_property
    def can_moderate(self):
        return self.request.user.has_perm("assessment.moderate_submission", self.submission)

    @cached_property
    def moderation(self):
        try:
            return services.open_moderation(self.submission, actor=self.request.user)
        except (services.ModerationError, services.PermissionDenied):
            from assessment.models import Moderation

            return Moderation.objects.filter(submission=self.submission).first()

    @cached_property
    def domains(self):
        return list(self.submission.cycle.domains.order_by("code"))

    def page_url(self):
        return reverse(
            "moderation:moderate",
            kwargs={"cycle": self.kwargs["cycle"], "ods_code": self.kwargs["ods_code"]},
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "domains": self.domains}

    def get_initial(self):
        initial = {}
        if self.moderation is not None:
            for agreed in self.moderation.agreed_scores.select_related("domain"):
                initial[f"score_{agreed.domain.code}"] = agreed.score
                initial[f"reason_{agreed.domain.code}"] = agreed.reason
        return initial

    def post(self, request, *args, **kwargs):
        if not self.can_moderate or self.moderation is None:
            messages.error(request, "You cannot moderate this CCG: you assessed it.")
            return redirect(self.page_url())
        action = request.POST.get("action", "save")
        if action in ("propose", "confirm", "send_back"):
            return self.act(action)
        return super().post(request, *args, **kwargs)

    def act(self, action):
        note = ""
        if action == "send_back":
            form = SendBackForm(self.request.POST)
            if not form.is_valid():
                # The agreed scores are not what was posted: show them as saved, unbound.
                agreed = self.form_class(initial=self.get_initial(), domains=self.domains)
                return self.render_to_response(
                    self.get_context_data(form=agreed, send_back_form=form)
                )
            note = form.cleaned_data["comment"]
        try:
            result = services.apply_moderation_action(
                self.moderation, workflow.ModerationAction(action), actor=self.request.user,
                note=note,
            )  # fmt: skip
        except services.ModerationError as error:
            messages.error(self.request, str(error))
            return redirect(self.page_url())
        (messages.success if result.changed else messages.info)(self.request, result.message)
        return redirect(self.page_url())

    def form_valid(self, form):
        try:
            with transaction.atomic():  # all the domains' scores, or none of them
                for domain in self.domains:
                    services.set_agreed_score(
                        self.moderation,
                        domain,
                        score=form.cleaned_data[f"score_{domain.code}"],
                        reason=form.cleaned_data[f"reason_{domain.code}"],
                        actor=self.request.user,
                    )
        except services.ModerationError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, "Agreed scores saved.")
        return redirect(self.page_url())

    def get_context_data(self, **kwargs):
        assessments = list(
            Assessment.objects.filter(submission=self.submission, status="submitted")
            .select_related("assessor")
            .order_by("pk")
        )
        scores = {
            (s.assessment_id, s.domain_id): s
            for s in DomainScore.objects.filter(assessment__in=assessments)
        }
        agreed = (
            {a.domain_id: a for a in self.moderation.agreed_scores.all()} if self.moderation else {}
        )
        rows = [
            {
                "domain": domain,
                "assessments": [scores.get((a.pk, domain.pk)) for a in assessments],
                "agreed": agreed.get(domain.pk),
            }
            for domain in self.domains
        ]
        form = kwargs.get("form") or self.get_form()
        for row in rows:
            code = row["domain"].code
            row["score_field"] = form[f"score_{code}"]
            row["reason_field"] = form[f"reason_{code}"]
        provisional = None
        if len(agreed) == len(self.domains):
            values = {self.domains[i].code: row["agreed"].score for i, row in enumerate(rows)}
            bands = self.submission.cycle.band_table()
            provisional = {
                "rating": scoring.rate(values, bands),
                "sensitivity": boundary_sensitivity(values, bands),
            }
        rating = services.current_rating(self.submission)
        status = self.moderation.status if self.moderation else ""
        return super().get_context_data(
            submission=self.submission,
            moderation=self.moderation,
            assessments=assessments,
            rows=rows,
            provisional=provisional,
            rating=rating,
            can_moderate=self.can_moderate,
            can_edit=self.can_moderate and status == workflow.ModerationStatus.OPEN,
            can_confirm=self.can_moderate
            and status == workflow.ModerationStatus.PROPOSED
            and self.moderation.proposed_by_id != self.request.user.pk,
            send_back_form=kwargs.get("send_back_form") or SendBackForm(),
            events=self.moderation.events.select_related("actor").order_by("-at", "-pk")
            if self.moderation
            else [],
            breadcrumbs=[
                ("Home", reverse("home")),
                (
                    f"Moderation {self.submission.cycle.label}",
                    reverse("moderation:queue", kwargs={"cycle": self.kwargs["cycle"]}),
                ),
                (self.submission.ccg.name, ""),
            ],
            **{k: v for k, v in kwargs.items() if k not in ("send_back_form",)},
        )
