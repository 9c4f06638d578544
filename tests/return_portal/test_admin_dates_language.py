"""Admin dates follow the staff member's language: Wagtail activates the
language of their profile, and the returns queue and a return's page write
their dates in it — day first everywhere, 07/12/2026 in French, 07.12.2026
in German, 07/12/2026 in English too (never the American 12/07/2026)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from wagtail.users.models import UserProfile

from tests.return_portal.queue_helpers import (
    detail_url,
    index_url,
    make_return,
    operator_staff,
    seller,
)

PARIS = ZoneInfo("Europe/Paris")
SHIP_BY = datetime(2026, 12, 7, 18, 0, tzinfo=PARIS)


def staff_speaking(language: str | None):
    staff = operator_staff()
    if language:
        profile = UserProfile.get_for_user(staff)
        profile.preferred_language = language
        profile.current_time_zone = "Europe/Paris"
        profile.save()
    return staff


@pytest.fixture
def shipped_return(policies):
    durand = seller("maison-durand", "Maison Durand")
    return make_return(durand, "approved", ship_by=SHIP_BY)


def ship_by_cells(html: str) -> list[str]:
    stamp = SHIP_BY.isoformat()
    return [part.split("</time>", 1)[0] for part in html.split(f'datetime="{stamp}">')[1:]]


@pytest.mark.parametrize(
    ("language", "shown", "month"),
    [
        ("fr", "07/12/2026 18:00", "décembre"),
        ("de", "07.12.2026 18:00", "Dezember"),
        (None, "07/12/2026 18:00", "December"),  # no preference: the site's English
    ],
)
def test_the_queue_writes_dates_in_the_staff_members_language(
    client, shipped_return, language, shown, month, django_assert_max_num_queries
):
    client.force_login(staff_speaking(language))

    with django_assert_max_num_queries(30):
        html = client.get(index_url()).content.decode()

    # The ship-by column and the countdown's date.
    cells = ship_by_cells(html)
    assert cells and set(cells) == {shown}
    # The "created" column's full date (its tooltip).
    assert month in html
    assert "12/07/2026" not in html and "p.m." not in html


@pytest.mark.parametrize(
    ("language", "shown", "absent"),
    [
        ("fr", "7 décembre 2026 18:00", "December"),
        ("de", "7. Dezember 2026 18:00", "December"),
        (None, "7 December 2026, 18:00", "Dec. 7"),
    ],
)
def test_a_returns_page_writes_its_deadlines_in_the_staff_members_language(
    client, shipped_return, language, shown, absent
):
    client.force_login(staff_speaking(language))

    html = client.get(detail_url(shipped_return)).content.decode()

    assert shown in html
    assert absent not in html
