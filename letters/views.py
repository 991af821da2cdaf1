"""Letters pages. The national admin: the cycle's letters, wording and preview, render runs
with their progress, release, the outbox, downloads report, versions and the zip. The
accountable officer (and the lead, for summaries): their CCGs' released documents.

Every page asks ``accounts.permissions``; everything outside a user's scope is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView

from assessment.models import Cycle
from assessment.moderation import current_rating
from common.views import PageView, ScopedPermissionRequiredMixin
from evidence.models import Submission
from letters import rendering, selectors, services
from letters.forms import ReleaseForm, RunForm, WordingForm, placeholder_help
from letters.models import Document, DocumentKind, OutboxMessage, RenderRun
from support import selectors as support_selectors


class CycleLettersMixin(ScopedPermissionRequiredMixin):
    """A national admin's page about the letters of the cycle in the URL."""

    permission_required = "letters.manage_letters"

    @cached_property
    def cycle(self) -> Cycle:
        return get_object_or_404(Cycle, slug=self.kwargs["cycle"])

    def crumbs(self, *more):
        return [
            ("Home", reverse("home")),
            (f"Letters {self.cycle.label}", reverse("letters:cycle", args=[self.cycle.slug])),
            *more,
        ]

    def back(self):
        return redirect("letters:cycle", self.cycle.slug)


class LettersHomeView(ScopedPermissionRequiredMixin, PageView):
    """``/letters/``: the user's released documents and their CCGs' improvement sessions,
    and for an admin the cycles."""

    permission_required = "letters.view_own_letters"
    template_name = "letters/pages/home.html"

    def has_permission(self):
        user = self.request.user
        return user.has_perm("letters.view_own_letters") or user.has_perm("letters.manage_letters")

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            documents=list(selectors.documents_for_officer(user)),
            support_sessions=support_selectors.sessions_for_ccg_people(user),
            cycles=Cycle.objects.all() if user.has_perm("letters.manage_letters") else [],
            breadcrumbs=[("Home", reverse("home")), ("Outcome letters", "")],
            **kwargs,
        )


class CycleView(CycleLettersMixin, PageView):
    template_name = "letters/pages/cycle.html"

    def get_context_data(self, **kwargs):
        rows = selectors.cycle_letter_rows(self.cycle)
        rated = [row for row in rows if row.rating]
        return super().get_context_data(
            cycle=self.cycle,
            rows=rows,
            rated=len(rated),
            with_letter=sum(1 for row in rated if row.letter),
            up_to_date=sum(1 for row in rated if row.up_to_date),
            runs=RenderRun.objects.filter(cycle=self.cycle)[:5],
            released=self.cycle.is_released(),
            outbox=selectors.outbox_counts(self.cycle),
            release_problems=services.release_problems(self.cycle),
            form=RunForm(),
            breadcrumbs=[("Home", reverse("home")), (f"Letters {self.cycle.label}", "")],
            **kwargs,
        )


class StartRunView(CycleLettersMixin, View):
    def post(self, request, *args, **kwargs):
        rows = selectors.cycle_letter_rows(self.cycle)
        form = RunForm(
            request.POST,
            choices=[(str(r.submission.pk), r.submission.ccg.name) for r in rows if r.rating],
        )
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return self.back()
        data = form.cleaned_data
        kinds = {
            "letter": (DocumentKind.LETTER,),
            "summary": (DocumentKind.SUMMARY,),
        }.get(data.get("kinds"), (DocumentKind.LETTER, DocumentKind.SUMMARY))
        chosen = None
        if data["scope"] == "selected":
            chosen = Submission.objects.filter(cycle=self.cycle, pk__in=data["ccgs"])
        try:
            run = services.start_run(
                self.cycle, actor=request.user, submissions=chosen, kinds=kinds,
                reason=data["reason"],
            )  # fmt: skip
        except services.LetterError as error:
            messages.error(request, str(error))
            return self.back()
        return redirect("letters:run", self.cycle.slug, run.pk)


class RunMixin(CycleLettersMixin):
    @cached_property
    def run(self) -> RenderRun:
        return get_object_or_404(RenderRun, pk=self.kwargs["pk"], cycle=self.cycle)


class RunView(RunMixin, PageView):
    template_name = "letters/pages/run.html"

    def get_context_data(self, **kwargs):
        progress = selectors.run_progress(self.run)
        return super().get_context_data(
            cycle=self.cycle,
            run=self.run,
            progress=progress,
            failures=self.run.jobs.filter(status="failed").select_related("submission__ccg"),
            breadcrumbs=self.crumbs((f"Render run {self.run.pk}", "")),
            **kwargs,
        )


class RunProgressView(RunMixin, View):
    def get(self, request, *args, **kwargs):
        return JsonResponse(selectors.run_progress(self.run).as_dict())


class RetryRunView(RunMixin, View):
    def post(self, request, *args, **kwargs):
        count = services.retry_failed(self.run, actor=request.user)
        messages.success(request, f"{count} failed job{pluralize(count)} queued again.")
        return redirect("letters:run", self.cycle.slug, self.run.pk)


class WordingView(CycleLettersMixin, FormView):
    template_name = "letters/pages/wording.html"
    form_class = WordingForm

    def get_initial(self):
        return WordingForm.initial_from(selectors.letter_settings(self.cycle))

    def form_valid(self, form):
        try:
            services.save_wording(
                self.cycle, form.wording(), letter_date=form.cleaned_data["letter_date"],
                actor=self.request.user, **form.facts(),
            )  # fmt: skip
        except (services.LetterError, TypeError, ValueError) as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(
            self.request,
            "Wording saved. Letters already rendered are unchanged until you render again.",
        )
        return redirect("letters:wording", self.cycle.slug)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            cycle=self.cycle,
            placeholders=placeholder_help(),
            rated=Submission.objects.filter(cycle=self.cycle, ratings__isnull=False)
            .select_related("ccg")
            .order_by("ccg__name")
            .distinct(),
            breadcrumbs=self.crumbs(("Wording", "")),
            **kwargs,
        )


def _pdf_response(data: bytes, filename: str, *, inline: bool) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


class PreviewView(CycleLettersMixin, View):
    """The letter or summary of any rated CCG with the saved wording, not stored."""

    def get(self, request, *args, **kwargs):
        submission = get_object_or_404(
            Submission.objects.select_related("ccg", "cycle"),
            cycle=self.cycle,
            ccg__ods_code=request.GET.get("ccg", ""),
        )
        kind = request.GET.get("kind", DocumentKind.LETTER)
        if kind not in DocumentKind.values:
            raise Http404("No such document.")
        rating = current_rating(submission)
        if rating is None:
            messages.error(request, f"{submission.ccg.name} has no final rating yet.")
            return redirect("letters:wording", self.cycle.slug)
        content = selectors.content_for(
            submission, kind, rating, selectors.CycleFacts.of(self.cycle)
        )
        pdf = rendering.render_pdf(content)
        return _pdf_response(pdf.data, f"preview-{submission.ccg.ods_code}-{kind}.pdf", inline=True)


class ReleaseView(CycleLettersMixin, FormView):
    template_name = "letters/pages/release.html"
    form_class = ReleaseForm

    def get_initial(self):
        now = timezone.localtime()
        return {"release_date": now.date(), "release_time": now.strftime("%H:%M")}

    def form_valid(self, form):
        try:
            added = services.schedule_release(
                self.cycle, at=form.cleaned_data["release_at"], actor=self.request.user
            )
        except services.LetterError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        when = services.when_text(Cycle.objects.get(pk=self.cycle.pk).released_at)
        messages.success(
            self.request,
            f"Release set for {when}. {added} e-mail{pluralize(added)} "
            f"{'is' if added == 1 else 'are'} in the outbox.",
        )
        return redirect("letters:outbox", self.cycle.slug)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            cycle=self.cycle,
            released=self.cycle.is_released(),
            problems=services.release_problems(self.cycle),
            breadcrumbs=self.crumbs(("Release", "")),
            **kwargs,
        )


class OutboxView(CycleLettersMixin, PageView):
    template_name = "letters/pages/outbox.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            cycle=self.cycle,
            released=self.cycle.is_released(),
            messages_list=selectors.outbox(self.cycle),
            counts=selectors.outbox_counts(self.cycle),
            breadcrumbs=self.crumbs(("Outbox", "")),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        try:
            count = services.send_pending(
                self.cycle, actor=request.user, include_failed="failed" in request.POST
            )
        except services.LetterError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{count} e-mail{pluralize(count)} queued for sending.")
        return redirect("letters:outbox", self.cycle.slug)


class MessageView(CycleLettersMixin, PageView):
    template_name = "letters/pages/message.html"

    @cached_property
    def message(self) -> OutboxMessage:
        return get_object_or_404(
            OutboxMessage.objects.select_related(
                "document__submission__ccg", "document__submission__cycle", "document__rating",
                "submission__ccg", "recipient",
            ).filter(Q(document__submission__cycle=self.cycle) | Q(submission__cycle=self.cycle)),
            pk=self.kwargs["pk"],
        )  # fmt: skip

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            cycle=self.cycle,
            message=self.message,
            email=services.message_email(self.message),
            breadcrumbs=self.crumbs(
                ("Outbox", reverse("letters:outbox", args=[self.cycle.slug])),
                (self.message.recipient.email, ""),
            ),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        held = request.POST.get("action") == "hold"
        try:
            services.set_held(self.message, held=held, actor=request.user)
        except services.LetterError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Message held." if held else "Message will be sent.")
        return redirect("letters:message", self.cycle.slug, self.message.pk)


class DownloadsReportView(CycleLettersMixin, PageView):
    template_name = "letters/pages/downloads.html"

    def get_context_data(self, **kwargs):
        rows = selectors.download_report(self.cycle)
        return super().get_context_data(
            cycle=self.cycle,
            waiting=[row for row in rows if row.first_download is None],
            done=[row for row in rows if row.first_download is not None],
            breadcrumbs=self.crumbs(("Downloads", "")),
            **kwargs,
        )


class ZipView(CycleLettersMixin, View):
    def get(self, request, *args, **kwargs):
        documents = (
            selectors.current_documents(self.cycle)
            .select_related("submission__ccg")
            .order_by("kind", "submission__ccg__ods_code")
        )
        if not documents.exists():
            messages.error(request, "No letters have been rendered for this cycle yet.")
            return self.back()
        return FileResponse(
            services.write_zip(documents),
            as_attachment=True,
            filename=f"letters-{self.cycle.slug}.zip",
            content_type="application/zip",
        )


class CCGVersionsView(CycleLettersMixin, PageView):
    template_name = "letters/pages/versions.html"

    def get_context_data(self, **kwargs):
        submission = get_object_or_404(
            Submission.objects.select_related("ccg"),
            cycle=self.cycle,
            ccg__ods_code=self.kwargs["ods_code"],
        )
        return super().get_context_data(
            cycle=self.cycle,
            submission=submission,
            rating=current_rating(submission),
            documents=Document.objects.filter(submission=submission)
            .select_related("rating", "rendered_by", "superseded_by")
            .order_by("kind", "-version"),
            breadcrumbs=self.crumbs((submission.ccg.name, "")),
            **kwargs,
        )


class DocumentDownloadView(ScopedPermissionRequiredMixin, View):
    """A stored PDF, for whoever may have it; every download is recorded."""

    permission_required = "letters.download_document"

    @cached_property
    def document(self) -> Document:
        return get_object_or_404(
            Document.objects.select_related("submission__ccg", "submission__cycle"),
            pk=self.kwargs["pk"],
        )

    def get_permission_object(self):
        return self.document

    def get(self, request, *args, **kwargs):
        document = self.document
        services.record_download(document, request.user)
        with document.file.open("rb") as pdf:
            data = pdf.read()
        return _pdf_response(data, document.filename, inline=False)
