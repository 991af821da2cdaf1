from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self):
        # Register every permission rule, from the one module that decides them.
        from accounts import permissions  # noqa: F401  (import registers the rules)
