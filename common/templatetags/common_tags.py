"""Small template helpers used across the apps."""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ scores|get_item:domain.code }}``: a dict lookup by a variable key."""
    return mapping.get(key) if mapping else None
