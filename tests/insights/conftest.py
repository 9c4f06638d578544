from tests.marketplace.conftest import policies  # the demo policies lines are pinned to
from tests.return_portal.conftest import reasons  # the reason taxonomy, en/fr/de

__all__ = ["policies", "reasons"]
