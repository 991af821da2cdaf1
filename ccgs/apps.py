from django.apps import AppConfig


class CcgsConfig(AppConfig):
    name = "ccgs"
    verbose_name = "CCG register"
