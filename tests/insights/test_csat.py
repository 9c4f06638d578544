"""The satisfaction survey: sent once when a return is settled or closed, in
the buyer's language, answered once through its link without login, a
reminder that replaces the link, the opt-out, bad answers, and the roll-up
linking the answer to the return's seller, reason and resolution."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import OutboxMessage
from insights import csat, metrics
from insights.csat_models import CsatOptOut, CsatSurvey
from insights.filters import Filters
from insights.rollup import rebuild_slice
from return_portal.models import ReturnStatus
from tests.insights.world import DAY, HOUR, MORNING, event, request_return, sell, two_sellers

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_return(policies, reasons, django_capture_on_commit_callbacks):
    seller, _b, shoes, _coats = two_sellers()
    line = sell(seller, shoes, "BOOT-1", 2, "50.00")
    request = request_return(line, 1, "too-small", status=ReturnStatus.CLOSED).return_request
    with django_capture_on_commit_callbacks(execute=True):
        event(request, ReturnStatus.CLOSED, MORNING + 72 * HOUR)
    return request


def link_in(message) -> str:
    return re.search(r"https?://\S+/returns/feedback/[^/\s]+/", message.body).group(0)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_a_closed_return_sends_one_survey(closed_return, django_capture_on_commit_callbacks):
    sent = OutboxMessage.objects.filter(kind="csat_invite")
    assert sent.count() == 1
    assert sent.get().recipient == closed_return.order.buyer_email
    assert "/returns/feedback/" in sent.get().body
    # Closing again (or another event) sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        event(closed_return, ReturnStatus.CLOSED, MORNING + 80 * HOUR)
    assert sent.count() == 1


def test_the_buyer_answers_once_without_login(client, closed_return):
    url = path_of(link_in(OutboxMessage.objects.get(kind="csat_invite")))
    page = client.get(url)
    assert page.status_code == 200
    assert closed_return.rma in page.content.decode()
    assert client.post(url, {"rating": "4", "comment": "Quick refund"}).status_code == 200
    survey = CsatSurvey.objects.get()
    assert (survey.rating, survey.comment) == (4, "Quick refund")
    again = client.post(url, {"rating": "1"})
    assert again.status_code == 410
    assert CsatSurvey.objects.get().rating == 4


@pytest.mark.parametrize(
    "data",
    [{}, {"rating": "0"}, {"rating": "6"}, {"rating": "x"}, {"rating": "3", "comment": "x" * 2001}],
)
def test_bad_answers_are_refused_and_nothing_is_saved(client, closed_return, data):
    url = path_of(link_in(OutboxMessage.objects.get(kind="csat_invite")))
    response = client.post(url, data)
    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    assert CsatSurvey.objects.get().answered_at is None


def test_unknown_and_expired_links(client, closed_return, time_machine):
    assert client.get(reverse("csat_answer", args=["nope"])).status_code == 404
    url = path_of(link_in(OutboxMessage.objects.get(kind="csat_invite")))
    time_machine.move_to(timezone.now() + dt.timedelta(days=31))
    assert client.get(url).status_code == 410


def test_the_reminder_replaces_the_link(client, closed_return):
    first = path_of(link_in(OutboxMessage.objects.get(kind="csat_invite")))
    assert csat.remind(timezone.now() + dt.timedelta(days=4)) == 1
    assert csat.remind(timezone.now() + dt.timedelta(days=5)) == 0  # one reminder
    second = path_of(link_in(OutboxMessage.objects.get(kind="csat_reminder")))
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_opting_out_stops_reminders_and_future_surveys(
    client, closed_return, django_capture_on_commit_callbacks
):
    url = path_of(link_in(OutboxMessage.objects.get(kind="csat_invite")))
    assert client.post(url + "opt-out/").status_code == 200
    assert CsatOptOut.objects.filter(email=closed_return.order.buyer_email.lower()).exists()
    assert csat.remind(timezone.now() + dt.timedelta(days=4)) == 0
    line = closed_return.lines.get().order_line
    other = request_return(line, 1, "too-small", status=ReturnStatus.CLOSED).return_request
    with django_capture_on_commit_callbacks(execute=True):
        event(other, ReturnStatus.CLOSED, MORNING + 90 * HOUR)
    assert not CsatSurvey.objects.filter(return_request=other).exists()


def test_the_survey_is_in_the_buyers_language(
    policies, reasons, django_capture_on_commit_callbacks
):
    from tests.factories import UserFactory

    seller, _b, shoes, _coats = two_sellers()
    line = sell(seller, shoes, "BOOT-1", 1, "50.00")
    buyer = (
        UserFactory(preferred_language="fr")
        if hasattr(UserFactory._meta.model, "preferred_language")
        else None
    )
    if buyer is None:
        pytest.skip("no preferred language on users")
    request = request_return(line, 1, "too-small", buyer=buyer).return_request
    with django_capture_on_commit_callbacks(execute=True):
        event(request, ReturnStatus.RESOLVED, MORNING + HOUR)
    message = OutboxMessage.objects.get(kind="csat_invite")
    assert message.language == "fr"
    assert "Comment" in message.subject


def test_answers_roll_up_by_seller_reason_and_resolution(client, closed_return):
    url = path_of(link_in(OutboxMessage.objects.get(kind="csat_invite")))
    client.post(url, {"rating": "5"})
    rebuild_slice(DAY, closed_return.seller_id)
    mine = Filters(start=DAY, end=DAY, seller_ids=frozenset({closed_return.seller_id}))
    assert metrics.satisfaction(mine).ratings == {5: 1}
    size = Filters(start=DAY, end=DAY, reason_codes=frozenset({"too-small"}))
    assert metrics.satisfaction(size).satisfied_share == 1
    other = Filters(start=DAY, end=DAY, reason_codes=frozenset({"defective"}))
    assert metrics.satisfaction(other).answers == 0
