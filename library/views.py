"""Pages of the good-practice library: the search and an example (every signed-in user,
through ``library.selectors.library_for``); the moderators' review of proposals and their
decisions; the national admin's record of consent to name a CCG.

Every page asks ``accounts.permissions``; everything outside a user's scope is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.views import View

from assessment.models import Cycle
from ccgs.models import CCG
from common.views import PageView, ScopedPermissionRequiredMixin, query_string_without_page
from library import selectors, services
from library.forms import ConsentForm, DecisionForm, SearchForm
from library.models import GoodPracticeExample

PAGE_SIZE = 20


def _attributed(examples):
    for example in examples:
        example.attribution = selectors.attribution(example)
    return examples


class LibraryView(ScopedPermissionRequiredMixin, PageView):
    """``/good-practice/``: search by words, domain, criterion and cycle (a GET form)."""

    permission_required = "library.view_library"
    template_name = "library/index.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        cycles = list(selectors.visible_cycles(user))
        form = SearchForm(
            self.request.GET or None,
            domains=selectors.domain_choices(),
            criteria=selectors.criterion_choices(),
            cycles=cycles,
        )
        page_obj = None
        searched = bool(self.request.GET)
        if form.is_bound and not form.is_valid():
            examples = None
        else:
            data = form.cleaned_data if form.is_bound else {}
            by_slug = {c.slug: c for c in cycles}
            examples = selectors.library_for(
                user,
                q=data.get("q", ""),
                domain=data.get("domain", ""),
                criterion=data.get("criterion", ""),
                cycle=by_slug.get(data.get("cycle", "")),
            )
            page_obj = Paginator(examples, PAGE_SIZE).get_page(self.request.GET.get("page"))
            _attributed(page_obj.object_list)
        return super().get_context_data(
            form=form,
            page_obj=page_obj,
            searched=searched,
            query_string_without_page=query_string_without_page(self.request),
            breadcrumbs=[("Home", reverse("home")), ("Good-practice library", "")],
            **kwargs,
        )


class ExampleView(ScopedPermissionRequiredMixin, PageView):
    permission_required = "library.view_library"
    template_name = "library/example.html"

    def get_context_data(self, **kwargs):
        example = get_object_or_404(selectors.library_for(self.request.user), pk=self.kwargs["pk"])
        _attributed([example])
        return super().get_context_data(
            example=example,
            breadcrumbs=[
                ("Home", reverse("home")),
                ("Good-practice library", reverse("library:index")),
                (example.title, ""),
            ],
            **kwargs,
        )


class CycleMixin(ScopedPermissionRequiredMixin):
    @cached_property
    def cycle(self) -> Cycle:
        return get_object_or_404(Cycle, slug=self.kwargs["cycle"])


class ReviewMixin(CycleMixin):
    permission_required = "library.review_examples"
    template_name = "library/review.html"

    def review_context(self, bound: DecisionForm | None = None) -> dict:
        proposals = services.proposals_for(self.cycle).prefetch_related("domain__criteria")
        rows = []
        for example, may_decide in selectors.review_rows(self.request.user, proposals):
            form = bound if bound is not None and bound.example.pk == example.pk else None
            rows.append((example, may_decide, form or DecisionForm(example=example)))
        return {
            "cycle": self.cycle,
            "rows": rows,
            "bound": bound,
            "breadcrumbs": [
                ("Home", reverse("home")),
                (f"Good practice to review {self.cycle.label}", ""),
            ],
        }


class ReviewView(ReviewMixin, PageView):
    """The moderators' queue of a cycle: each proposal with an approve / reject form."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(**self.review_context(), **kwargs)


class DecideView(ReviewMixin, View):
    """POST only: a moderator's decision on one proposal of the cycle."""

    def post(self, request, *args, **kwargs):
        example = get_object_or_404(
            GoodPracticeExample.objects.select_related(
                "domain", "source", "submission__ccg", "decided_by"
            ),
            pk=self.kwargs["pk"],
            cycle=self.cycle,
        )
        if example.status != GoodPracticeExample.Status.PROPOSED:
            messages.error(request, services.decided_message(example))
            return redirect("library:review", self.cycle.slug)
        form = DecisionForm(request.POST, example=example)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["decision"] == "approve":
                    services.approve_example(
                        example, title=data["title"], summary=data["summary"],
                        criterion=form.chosen_criterion(), actor=request.user,
                    )  # fmt: skip
                    messages.success(request, f"Published in the library: {data['title']}.")
                else:
                    services.reject_example(example, reason=data["reason"], actor=request.user)
                    messages.success(request, "Example rejected: it will not be published.")
                return redirect("library:review", self.cycle.slug)
            except services.LibraryError as error:  # decided meanwhile, or the CCG named
                form.add_error(None, str(error))
            except PermissionDenied:
                messages.error(request, "You assessed this CCG, so another moderator must decide.")
                return redirect("library:review", self.cycle.slug)
        return TemplateResponse(request, self.template_name, self.review_context(bound=form))


class ConsentView(CycleMixin, PageView):
    """The national admin's page: the CCGs with approved examples and whether each agreed to
    be named, and a form to record it."""

    permission_required = "library.record_consent"
    template_name = "library/consent.html"

    @cached_property
    def rows(self):
        return list(selectors.consent_rows(self.cycle))

    def get_context_data(self, form=None, **kwargs):
        return super().get_context_data(
            cycle=self.cycle,
            rows=self.rows,
            form=form or ConsentForm(ccgs=self.rows),
            breadcrumbs=[
                ("Home", reverse("home")),
                ("Good-practice library", reverse("library:index")),
                (f"Consent to be named {self.cycle.label}", ""),
            ],
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = ConsentForm(request.POST, ccgs=self.rows)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        ccg = CCG.objects.get(ods_code=data["ccg"])
        changed = services.record_consent(
            ccg, self.cycle, data["consented"], actor=request.user, note=data["note"]
        )
        named = "named" if data["consented"] else "not named"
        if changed:
            messages.success(request, f"Recorded: {ccg.name} is {named} in the library.")
        else:
            messages.info(request, f"{ccg.name} is already {named} in the library.")
        return redirect("library:consent", self.cycle.slug)
