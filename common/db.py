"""Database helpers shared by the services."""


def save_changed(obj, **values) -> bool:
    """Set ``values`` on ``obj`` and save only the fields that changed; True if any did."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    if changed:
        obj.save(update_fields=changed)
    return bool(changed)
