"""People and what they may do: the user (signs in with an e-mail address) and roles.

Assessor, moderator and national admin are roles of the person across the service.
CCG engagement lead and accountable officer are roles *for a CCG*, recorded as
``CCGRole`` rows, either for every cycle (``cycle`` empty) or for one cycle, since
leads and officers change from year to year. Whether a role lets someone do a
thing is decided in ``accounts/permissions.py``, nowhere else.
"""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **fields):
        if not email:
            raise ValueError("A user needs an e-mail address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True, is_national_admin=True)
        return self._create_user(email, password, **fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        "Django admin access", default=False, help_text="May open the Django admin site."
    )
    is_assessor = models.BooleanField("assessor", default=False)
    is_moderator = models.BooleanField("moderator", default=False)
    is_national_admin = models.BooleanField("national admin", default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ignoring_case"),
        ]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class CCGRole(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", "CCG engagement lead"
        ACCOUNTABLE_OFFICER = "accountable_officer", "Accountable officer"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="ccg_roles")
    ccg = models.ForeignKey("ccgs.CCG", on_delete=models.CASCADE, related_name="ccg_roles")
    role = models.CharField(max_length=32, choices=Role.choices)
    cycle = models.ForeignKey(
        "assessment.Cycle",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="ccg_roles",
        help_text="Leave empty for a role that holds in every cycle.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "CCG role"
        ordering = ["ccg__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "ccg", "role"],
                condition=models.Q(cycle__isnull=True),
                name="ccgrole_unique_every_cycle",
            ),
            models.UniqueConstraint(
                fields=["user", "ccg", "role", "cycle"],
                condition=models.Q(cycle__isnull=False),
                name="ccgrole_unique_per_cycle",
            ),
        ]

    def __str__(self):
        scope = f" ({self.cycle})" if self.cycle_id else ""
        return f"{self.user} – {self.get_role_display()} – {self.ccg}{scope}"
