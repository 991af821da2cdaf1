"""Template context for every page: the service name and the navigation of the user's roles."""

from django.conf import settings
from django.urls import reverse

from accounts import mfa, permissions
from assessment.selectors import current_cycle


def navigation(request):
    user = getattr(request, "user", None)
    items = []
    # Until the second factor is given, no page but the code's would open: no menu.
    verified = getattr(user, "is_verified", lambda: False)
    if user is not None and mfa.needs_multi_factor(user) and not verified():
        user = None
    if user is not None and user.is_authenticated:
        items.append(("Home", reverse("home")))
        if permissions.is_assessor(user):
            items.append(("Assessments", reverse("assessors:queue")))
        if permissions.is_ccg_lead(user) or permissions.is_accountable_officer(user):
            items.append(("Evidence", reverse("evidence:list")))
        if permissions.is_national_admin(user) and (cycle := current_cycle()) is not None:
            items.append(
                ("Submissions", reverse("evidence:dashboard", kwargs={"cycle": cycle.slug}))
            )
            items.append(
                ("Assignments", reverse("assignments:cycle", kwargs={"cycle": cycle.slug}))
            )
        if permissions.is_national_staff(user) and (cycle := current_cycle()) is not None:
            items.append(("Moderation", reverse("moderation:queue", kwargs={"cycle": cycle.slug})))
        if user.has_perm("letters.view_own_letters") or user.has_perm("letters.manage_letters"):
            items.append(("Letters", reverse("letters:home")))
        if user.has_perm("results.export_results"):
            items.append(("Results", reverse("results:index")))
        if user.has_perm("library.view_library"):
            items.append(("Good practice", reverse("library:index")))
        if permissions.is_national_staff(user):
            items.append(("CCG register", reverse("ccgs:register")))
        if user.has_perm("assessment.view_cycles"):
            items.append(("Cycles", reverse("assessment:cycle_list")))
        if user.is_staff:
            items.append(("Django admin", reverse("admin:index")))
    path = request.path
    nav_items = [
        {
            "label": label,
            "url": url,
            "active": path == url if url == reverse("home") else path.startswith(url),
        }
        for label, url in items
    ]
    return {"service_name": settings.SERVICE_NAME, "nav_items": nav_items}
