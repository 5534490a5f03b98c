"""Safe redirects: a `next` target must be a path on this site."""

from urllib.parse import urlsplit


def safe_next(target, default):
    if not target or not isinstance(target, str):
        return default
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
