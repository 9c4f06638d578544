import json

import pytest

from marketplace.models import ApiToken
from tests.policy_pages.conftest import policies  # the demo policies (v1, v2, v3, seller's)

__all__ = ["policies"]


@pytest.fixture
def api_token(db):
    _row, token = ApiToken.issue("tests")
    return token


class Api:
    """The test client with the bearer token: POST JSON, GET."""

    def __init__(self, client, token):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def post(self, url, data, **extra):
        body = data if isinstance(data, str | bytes) else json.dumps(data)
        return self.client.post(
            url, body, content_type="application/json", headers=self.headers, **extra
        )

    def get(self, url, params=None, **extra):
        return self.client.get(url, params or {}, headers=self.headers, **extra)


@pytest.fixture
def api(client, api_token):
    return Api(client, api_token)
