"""View mixin shared by every page about one CCG's submission (evidence, assessment,
clarifications, reviews)."""

from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property

from common.views import ScopedPermissionRequiredMixin
from evidence.selectors import submissions_visible_to


class ScopedSubmissionMixin(ScopedPermissionRequiredMixin):
    """The submission named by the URL (cycle slug and ODS code), looked up only within
    the user's scope (404 outside it); the permission is checked against it."""

    permission_required = "evidence.view_submission"

    @cached_property
    def submission(self):
        return get_object_or_404(
            submissions_visible_to(self.request.user),
            cycle__slug=self.kwargs["cycle"],
            ccg__ods_code=self.kwargs["ods_code"].upper(),
        )

    def get_permission_object(self):
        return self.submission
