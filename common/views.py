"""View helpers shared by the apps: permission checks that answer 404 outside scope."""

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.views.generic import TemplateView
from rules.contrib.views import PermissionRequiredMixin


class ScopedPermissionRequiredMixin(PermissionRequiredMixin):
    """django-rules permission check; signed-out users go to sign-in, others outside scope get 404.

    A 403 would tell a CCG lead that a page exists for someone else; the design
    answers everything outside a user's scope with "Page not found".
    """

    def dispatch(self, request, *args, **kwargs):
        # Signed-out visitors go to sign-in before any object is looked up.
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)

    def handle_no_permission(self):
        if not self.request.user.is_authenticated:
            return redirect_to_login(self.request.get_full_path())
        raise Http404("Not in this user's scope.")


def query_string_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


class PageView(TemplateView):
    """A template page whose context is built by the view, not from the URL's arguments.

    TemplateView passes the URL's arguments into the context, where they would clash
    with the objects a view puts there under the same names (``cycle``, ``item``).
    """

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data())
