"""Improvement-support pages of the national team: a released cycle's list of CCGs offered the
one-to-one session (``support:cycle``), and one session with its history and, for a
national admin, the form that records what happened (``support:session``). Moderators read
both. A CCG's own people see their session on the letters page (``letters:home``).

Every page asks ``accounts.permissions``; everything outside a user's scope is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from assessment.models import Cycle
from common.views import PageView, ScopedPermissionRequiredMixin
from support import selectors, services
from support.forms import SessionUpdateForm
from support.models import ImprovementSession


class CycleView(ScopedPermissionRequiredMixin, PageView):
    """``/improvement-support/<cycle>/``: the CCGs offered the session, filtered by status."""

    permission_required = "support.view_sessions"
    template_name = "support/cycle.html"

    @cached_property
    def cycle(self) -> Cycle:
        return get_object_or_404(Cycle, slug=self.kwargs["cycle"])

    def get_context_data(self, **kwargs):
        services.sync_sessions(self.cycle)
        rows = selectors.support_rows(self.cycle)
        wanted = self.request.GET.get("status", "")
        status = wanted if wanted in selectors.STATUS_FILTERS else ""
        return super().get_context_data(
            cycle=self.cycle,
            released=self.cycle.is_released(),
            rows=[row for row in rows if row.status == status] if status else rows,
            counts=selectors.status_counts(rows),
            total=len(rows),
            status=status,
            statuses=ImprovementSession.Status.choices,
            bands=", ".join(selectors.letter_settings(self.cycle).wording.amber_offer_bands),
            breadcrumbs=[
                ("Home", reverse("home")),
                (f"Improvement support {self.cycle.label}", ""),
            ],
            **kwargs,
        )


class SessionView(ScopedPermissionRequiredMixin, PageView):
    """``/improvement-support/sessions/<pk>/``: a session, its history and the update form."""

    permission_required = "support.view_sessions"
    template_name = "support/session.html"

    def has_permission(self):
        perm = (
            "support.manage_sessions" if self.request.method == "POST" else "support.view_sessions"
        )
        return self.request.user.has_perm(perm)

    @cached_property
    def session(self) -> ImprovementSession:
        return get_object_or_404(
            ImprovementSession.objects.select_related(
                "submission__ccg", "submission__cycle", "updated_by"
            ).filter(submission__cycle__released_at__lte=self.now),
            pk=self.kwargs["pk"],
        )

    @cached_property
    def now(self):
        return timezone.now()

    def get_context_data(self, form=None, **kwargs):
        session = self.session
        cycle = session.submission.cycle
        may_edit = self.request.user.has_perm("support.manage_sessions")
        if form is None and may_edit and session.status != ImprovementSession.Status.HELD:
            form = SessionUpdateForm(session=session)
        return super().get_context_data(
            session=session,
            cycle=cycle,
            row=selectors.session_row(session),
            events=selectors.history(session),
            form=form if may_edit else None,
            breadcrumbs=[
                ("Home", reverse("home")),
                (f"Improvement support {cycle.label}", reverse("support:cycle", args=[cycle.slug])),
                (session.submission.ccg.name, ""),
            ],
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        session = self.session
        form = SessionUpdateForm(request.POST, session=session)
        if session.status == ImprovementSession.Status.HELD:
            messages.error(request, "The session has been held; its record cannot be changed.")
            return redirect("support:session", session.pk)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        try:
            services.update_session(
                session, data["status"], actor=request.user, booked_for=data["booked_for"],
                held_on=data.get("held_on"), declined_on=data.get("declined_on"),
                note=data.get("note", ""),
            )  # fmt: skip
        except services.SupportError as error:
            form.add_rule_errors(error.errors, str(error))
            return self.render_to_response(self.get_context_data(form=form))
        updated = ImprovementSession.objects.get(pk=session.pk)
        messages.success(
            request,
            f"Session {updated.get_status_display().lower()}. "
            f"The CCG's accountable officers and leads will be e-mailed.",
        )
        return redirect("support:session", session.pk)
