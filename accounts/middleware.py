"""Multi-factor sign-in enforced for every page: a user who needs it (``accounts.mfa``)
and has signed in with a password reaches nothing but the set-up and verification pages,
sign-out and the public pages until they have given a second factor."""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from accounts import mfa

OPEN = ("mfa_setup", "mfa_verify", "logout", "accessibility", "privacy")


class RequireMultiFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and mfa.needs_multi_factor(user)
            and not user.is_verified()
            and not self._is_open(request.path)
        ):
            target = "mfa_verify" if mfa.has_app(user) else "mfa_setup"
            next_url = request.get_full_path()
            query = ""
            if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                query = "?" + urlencode({"next": next_url})
            return redirect(reverse(target) + query)
        return self.get_response(request)

    @staticmethod
    def _is_open(path: str) -> bool:
        from django.conf import settings

        if path.startswith(settings.STATIC_URL):
            return True
        return any(path == reverse(name) for name in OPEN)
