"""The one router of the returns API. Its operations live in several modules
(returns.py, creation.py, return_actions.py, refund_actions.py), all on this
router: a path answers one router only, and GET and POST /returns share theirs.
Answers are about one client's data: never cached."""

from ninja import Router

from core.api.headers import no_store

router = Router(tags=["returns"])
router.add_decorator(no_store, mode="view")
