from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import mfa_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("sign-in/app/", mfa_views.SetupView.as_view(), name="mfa_setup"),
    path("sign-in/code/", mfa_views.VerifyView.as_view(), name="mfa_verify"),
    path("account/backup-codes/", mfa_views.BackupCodesView.as_view(), name="mfa_backup_codes"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            subject_template_name="registration/password_reset_subject.txt",
            email_template_name="registration/password_reset_email.txt",
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
