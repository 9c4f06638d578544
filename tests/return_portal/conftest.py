import pytest

from return_portal.seeding import seed_reasons
from tests.marketplace.conftest import policies  # the demo policies (v1, v2, v3, seller's)

__all__ = ["policies"]


@pytest.fixture
def reasons(policies):
    """The reason taxonomy in en/fr/de (locales come with the policies' site)."""
    seed_reasons()
    from return_portal.models import ReturnReason

    return ReturnReason.objects.filter(locale__language_code="en")
