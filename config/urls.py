from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

admin.site.site_header = "Engagement Assessment administration"
admin.site.site_title = "Engagement Assessment"

urlpatterns = [
    path("", include("accounts.urls")),
    path("register/", include("ccgs.urls")),
    path("cycles/", include("assessment.urls")),
    path("submissions/", include("evidence.urls")),
    path("assessments/", include("assessment.assessor_urls")),
    path("assignments/", include("assessment.assignment_urls")),
    path("clarifications/", include("assessment.clarification_urls")),
    path("moderation/", include("assessment.moderation_urls")),
    path("reviews/", include("assessment.review_urls")),
    path("insight/", include("assessment.insight_urls")),
    path("audit/", include("assessment.audit_urls")),
    path("letters/", include("letters.urls")),
    path("results/", include("results.urls")),
    path("good-practice/", include("library.urls")),
    path("improvement-support/", include("support.urls")),
    path("api/v1/", include("api.urls")),
    path(
        "accessibility/",
        TemplateView.as_view(template_name="pages/accessibility.html"),
        name="accessibility",
    ),
    path("privacy/", TemplateView.as_view(template_name="pages/privacy.html"), name="privacy"),
    path("django-admin/", admin.site.urls),
]
