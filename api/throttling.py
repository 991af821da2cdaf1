"""Rate limit of signed-out clients (DRF's cache-based throttle, by client address).

The rate is read from ``settings.API_ANONYMOUS_RATE`` on every request, not once at import
as DRF's own class does, so a test can set it; ``None`` turns the limit off (the test
settings, so that the suite's many anonymous requests do not trip it).
"""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class AnonymousRateThrottle(AnonRateThrottle):
    def get_rate(self):
        return getattr(settings, "API_ANONYMOUS_RATE", None)
