"""Per-request caching of permission checks (placeholder; see the benchmarks work)."""

from __future__ import annotations


class PermissionCacheMixin:
    """Mixed into the security manager so permission look-ups can be cached per request."""
