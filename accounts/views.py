"""Sign-in pages, the home page of every role, and the sign-in lock-out answer."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.auth import EmailAuthenticationForm
from accounts.selectors import home_sections_for


class SignInView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True


@login_required
def home(request):
    return render(request, "accounts/home.html", {"sections": home_sections_for(request.user)})


def locked_out(request, credentials, *args, **kwargs):
    """django-axes calls this instead of signing in once the limit is reached."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/lockout.html", {"cooloff_minutes": minutes}, status=429)
