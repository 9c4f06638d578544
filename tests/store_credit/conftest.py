from tests.marketplace.conftest import policies  # noqa: F401 (the demo policies)
from tests.return_portal.conftest import reasons  # noqa: F401 (the reason taxonomy)
