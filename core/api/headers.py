"""Response header decorators for routers (`router.add_decorator(…, mode="view")`)."""

from __future__ import annotations

from functools import wraps


def no_store(run):
    """Answers about one client's data (orders, eligibility) must not be kept
    by any cache."""

    @wraps(run)
    def wrapper(request, *args, **kwargs):
        response = run(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    return wrapper
