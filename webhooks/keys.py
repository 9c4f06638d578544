"""Endpoint secrets as Standard Webhooks writes them: `whsec_` and base64."""

from __future__ import annotations

import base64
import os

PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    return PREFIX + base64.b64encode(os.urandom(SECRET_BYTES)).decode("ascii")
