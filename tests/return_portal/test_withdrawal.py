"""The withdrawal button (Directive 2011/83/EU Art. 11a): shown on My orders for the
whole statutory period and gone after it; a first step to choose the lines, a
separate confirmation step, one withdrawal per confirmation however often it is
sent, and the acknowledgement email with the notice's content, date and time."""

from datetime import UTC, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from policy_pages.timeline import policy_in_force
from return_portal.models import ReturnKind, ReturnRequest, ReturnStatus
from return_portal.views import withdrawal as withdrawal_views
from tests.marketplace.factories import OrderFactory, OrderLineFactory, SellerFactory

LABEL = "Withdraw from contract here"


def ago(days):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def signed_in(client, buyer):
    client.force_login(buyer)
    return client


def _order(buyer, delivered_days_ago, reference, **line):
    order = OrderFactory(
        buyer=buyer,
        reference=reference,
        placed_at=ago(delivered_days_ago + 3),
        payment_amount=Decimal("104.70"),
    )
    OrderLineFactory(
        order=order, reference="A", title="Oxford shirt", delivered_at=ago(delivered_days_ago)
    )
    OrderLineFactory(
        order=order,
        reference="B",
        title="Derby shoes",
        delivered_at=ago(delivered_days_ago),
        **line,
    )
    return order


@pytest.fixture
def order(policies, reasons, buyer):
    """Delivered 10 days ago: inside the 14-day withdrawal period."""
    return _order(buyer, 10, "F-INSIDE")


@pytest.fixture
def old_order(policies, reasons, buyer):
    """Delivered 40 days ago: the withdrawal period (and the 30-day window) ended."""
    return _order(buyer, 40, "F-OUTSIDE")


def urls(order):
    return (
        reverse("return_portal:withdraw", args=[order.public_id]),
        reverse("return_portal:withdraw_confirm", args=[order.public_id]),
    )


def orders_page(client) -> str:
    return client.get(reverse("return_portal:orders")).content.decode()


def order_card(html, reference) -> str:
    return html.split(f"Order {reference}")[1].split('class="order-card"')[0]


# The first step's fields: the units of each withdrawable line by its position
# (a checkbox for a one-unit line), and each seller's return method.
LINE_INDEX = {"A": 0, "B": 1, "C": 2}


def choice(lines=("A", "B"), method="drop_off"):
    data = {f"units-{LINE_INDEX[reference]}": "1" for reference in lines}
    data["method-0"] = method  # maison-durand
    if "C" in lines:
        data["method-1"] = method  # atelier-roux
    return data


def first_step(client, order, lines=("A", "B")):
    start, confirm = urls(order)
    response = client.post(start, choice(lines))
    assert response.status_code == 302
    assert response["Location"] == confirm
    return client.get(confirm)


def key_of(response) -> str:
    html = response.content.decode()
    return html.split('name="key" value="')[1].split('"')[0]


# --- the button on My orders --------------------------------------------------------


def test_the_button_shows_inside_the_period_with_its_end_and_not_after(signed_in, order, old_order):
    html = orders_page(signed_in)

    inside = order_card(html, "F-INSIDE")
    assert LABEL in inside
    assert "You can withdraw until" in inside
    assert reverse("return_portal:withdraw", args=[order.public_id]) in inside
    assert LABEL not in order_card(html, "F-OUTSIDE")


def test_no_button_when_the_seller_is_not_a_trader(signed_in, policies, buyer):
    private = SellerFactory(reference="private-seller", is_trader=False)
    order = OrderFactory(buyer=buyer, reference="F-PRIVATE", placed_at=ago(13))
    OrderLineFactory(order=order, seller=private, delivered_at=ago(10))

    html = orders_page(signed_in)
    response = signed_in.get(urls(order)[0])

    assert "Order F-PRIVATE" in html
    assert LABEL not in html
    assert response.status_code == withdrawal_views.GONE
    assert "right of withdrawal does not apply to order F-PRIVATE" in response.content.decode()


def test_no_button_outside_the_eu(signed_in, policies, reasons, buyer):
    # The button is EU law (Art. 11a); UK buyers cancel (CCR 2013) by an ordinary return.
    # The demo policies name EU markets only: the line is pinned to the French one.
    order = OrderFactory(
        buyer=buyer, reference="F-UK", market="GB", currency="GBP", placed_at=ago(13)
    )
    french = policy_in_force("FR", "maison-durand", "shirts", order.placed_at)
    OrderLineFactory(order=order, reference="A", delivered_at=ago(10), policy_version=french)

    html = orders_page(signed_in)
    response = signed_in.get(urls(order)[0])

    assert "Order F-UK" in html
    assert LABEL not in order_card(html, "F-UK")
    assert response.status_code == withdrawal_views.GONE
    assert "withdrawal button is for orders from EU markets" in response.content.decode()
    assert not ReturnRequest.objects.exists()


# --- the two steps ----------------------------------------------------------------------


def test_the_first_step_lists_the_withdrawable_lines_all_ticked(signed_in, order):
    response = signed_in.get(urls(order)[0])
    html = response.content.decode()

    assert response.status_code == 200
    assert html.count('type="checkbox" name="units-') == 2
    assert html.count('value="1" checked') == 2  # every unit, the buyer unticks
    assert html.count('type="radio" name="method-0"') == 2  # drop-off, prepaid label
    assert (
        'type="radio" name="method-0" value="drop_off" id="method-0-drop_off" checked' not in html
    )
    assert "Oxford shirt" in html and "Derby shoes" in html
    assert "within 14 days" in html  # what happens next


def test_choosing_nothing_is_refused_inline(signed_in, order):
    response = signed_in.post(urls(order)[0], {})

    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    assert "Choose at least one item" in response.content.decode()
    assert not ReturnRequest.objects.exists()


def test_a_line_that_cannot_be_withdrawn_is_refused(order, buyer):
    from return_portal.draft import StepError
    from return_portal.withdrawal import withdraw

    with pytest.raises(StepError):
        withdraw(buyer, order, [], "k-nope", quantities={"A": 1, "NOPE": 1})

    assert not ReturnRequest.objects.exists()


def test_the_confirmation_is_a_separate_step_that_records_nothing_by_itself(signed_in, order):
    response = first_step(signed_in, order, lines=["B"])
    html = response.content.decode()

    assert response.status_code == 200
    assert "Confirm withdrawal" in html
    assert "Derby shoes" in html and "Oxford shirt" not in html
    assert key_of(response)
    assert not ReturnRequest.objects.exists()


def test_the_confirmation_step_without_the_first_step_sends_back_to_it(signed_in, order):
    start, confirm = urls(order)

    response = signed_in.get(confirm)

    assert response.status_code == 302
    assert response["Location"] == start


def test_confirming_records_the_withdrawal_and_sends_the_acknowledgement(
    signed_in, order, buyer, django_capture_on_commit_callbacks
):
    key = key_of(first_step(signed_in, order, lines=["A"]))

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(urls(order)[1], {"key": key})

    withdrawal = ReturnRequest.objects.get()
    assert withdrawal.kind == ReturnKind.WITHDRAWAL
    assert withdrawal.status == ReturnStatus.APPROVED
    assert [line.order_line.reference for line in withdrawal.lines.all()] == ["A"]
    assert response.status_code == 302
    assert response["Location"] == reverse("return_portal:detail", args=[withdrawal.public_id])
    # The success message gives the notice's date and time in the market's zone.
    notice = timezone.localtime(withdrawal.notice_at, timezone.get_default_timezone())
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert notice.strftime("%H:%M") in message and "(Europe/Paris)" in message
    assert withdrawal.rma in message
    # The acknowledgement: content, date and time (Art. 11a(3)).
    [email] = [m for m in mail.outbox if order.reference in m.subject]
    assert email.to == [buyer.email]
    assert "Oxford shirt" in email.body
    assert withdrawal.notice_at.astimezone(UTC).isoformat()[:19] in email.body
    assert withdrawal.rma in email.body


def test_the_success_page_shows_the_date_and_time_and_the_rma(signed_in, order):
    key = key_of(first_step(signed_in, order))

    response = signed_in.post(urls(order)[1], {"key": key}, follow=True)
    html = response.content.decode()
    withdrawal = ReturnRequest.objects.get()

    assert "Your withdrawal was received on" in html
    assert '<p class="rma">' in html and withdrawal.rma in html


def test_a_double_click_or_replay_creates_one_withdrawal(signed_in, order):
    key = key_of(first_step(signed_in, order))
    confirm = urls(order)[1]

    first = signed_in.post(confirm, {"key": key})
    second = signed_in.post(confirm, {"key": key})

    assert ReturnRequest.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_a_confirmation_with_a_key_not_issued_to_this_buyer_records_nothing(signed_in, order):
    first_step(signed_in, order)

    response = signed_in.post(urls(order)[1], {"key": "0" * 32})

    assert response.status_code == 302
    assert response["Location"] == urls(order)[0]
    assert not ReturnRequest.objects.exists()


def test_a_confirmation_key_with_a_nul_byte_records_nothing(signed_in, order):
    key = key_of(first_step(signed_in, order))

    response = signed_in.post(urls(order)[1], {"key": key + "\x00"})

    assert response.status_code == 302
    assert response["Location"] == urls(order)[0]
    assert not ReturnRequest.objects.exists()


def test_going_back_to_the_first_step_keeps_the_same_key(signed_in, order):
    key = key_of(first_step(signed_in, order, lines=["A"]))
    again = key_of(first_step(signed_in, order, lines=["A", "B"]))

    assert again == key


def test_withdrawn_lines_are_no_longer_offered(signed_in, order):
    key = key_of(first_step(signed_in, order))
    signed_in.post(urls(order)[1], {"key": key})
    withdrawal = ReturnRequest.objects.get()

    card = order_card(orders_page(signed_in), "F-INSIDE")

    assert LABEL not in card
    assert withdrawal.rma in card


# --- after the period -------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_after_the_period_both_steps_say_so_instead_of_failing(signed_in, old_order, method):
    start, confirm = urls(old_order)

    for url in (start, confirm):
        response = getattr(signed_in, method)(url, {"lines": ["A"], "key": "0" * 32})
        if response.status_code == 302:  # the confirm step sends back to the first
            response = signed_in.get(response["Location"])
        assert response.status_code == withdrawal_views.GONE
        assert "withdrawal period of order F-OUTSIDE has ended" in response.content.decode()
    assert not ReturnRequest.objects.exists()


def test_a_period_that_ends_between_the_steps_answers_gone(signed_in, order, monkeypatch):
    key = key_of(first_step(signed_in, order))
    later = timezone.now() + timedelta(days=30)
    # Only the view's clock moves on (the session must not expire).
    clock = SimpleNamespace(now=lambda: later, localtime=timezone.localtime)
    monkeypatch.setattr(withdrawal_views, "timezone", clock)

    response = signed_in.post(urls(order)[1], {"key": key})

    assert response.status_code == withdrawal_views.GONE
    assert not ReturnRequest.objects.exists()


def test_another_buyers_order_is_not_found(client, order, other_buyer):
    client.force_login(other_buyer)
    start, confirm = urls(order)

    assert client.get(start).status_code == 404
    assert client.post(start, {"lines": ["A"]}).status_code == 404
    assert client.post(confirm, {"key": "0" * 32}).status_code == 404


# --- one return per seller --------------------------------------------------------------


@pytest.fixture
def two_sellers_order(policies, reasons, buyer):
    """Delivered 10 days ago, with a line of a second seller (same policy version)."""
    order = _order(buyer, 10, "F-TWO-SELLERS")
    other = SellerFactory(reference="atelier-roux", name="Atelier Roux")
    OrderLineFactory(
        order=order,
        reference="C",
        title="Linen scarf",
        seller=other,
        delivered_at=ago(10),
        policy_version=order.lines.get(reference="A").pin.version,
    )
    return order


def test_a_withdrawal_over_two_sellers_makes_one_return_per_seller(
    signed_in, two_sellers_order, buyer, django_capture_on_commit_callbacks
):
    order = two_sellers_order
    key = key_of(first_step(signed_in, order, lines=["A", "B", "C"]))

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(urls(order)[1], {"key": key})
    replay = signed_in.post(urls(order)[1], {"key": key})

    parts = list(ReturnRequest.objects.order_by("pk"))
    assert len(parts) == 2
    by_seller = {
        part.seller.reference: sorted(line.order_line.reference for line in part.lines.all())
        for part in parts
    }
    assert by_seller == {"maison-durand": ["A", "B"], "atelier-roux": ["C"]}
    assert len({part.notice_at for part in parts}) == 1
    assert len({part.refund_due_by for part in parts}) == 1
    assert all(part.status == ReturnStatus.APPROVED for part in parts)
    assert {part.approved_by_rule for part in parts} == {"withdrawal"}
    assert {part.idempotency_key for part in parts} == {
        f"s{part.seller_id}:{key}" for part in parts
    }
    # The orders page lists both; the message gives both references.
    assert response["Location"] == reverse("return_portal:orders")
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert all(part.rma in message for part in parts)
    assert replay["Location"] == reverse("return_portal:orders")
    assert ReturnRequest.objects.count() == 2
    # One acknowledgement per part, each with its own items.
    acknowledgements = [m for m in mail.outbox if order.reference in m.subject]
    assert len(acknowledgements) == 2
    assert sum("Linen scarf" in m.body for m in acknowledgements) == 1


def test_the_standard_delivery_is_refunded_once_over_the_parts(two_sellers_order, buyer):
    from return_portal.withdrawal import withdraw

    parts, created = withdraw(buyer, two_sellers_order, [], key="k-whole")
    again, created_again = withdraw(buyer, two_sellers_order, [], key="k-whole")

    assert created and not created_again
    assert [p.pk for p in again] == [p.pk for p in parts]

    def delivery(part):
        return [f for f in part.estimate["figures"] if f["code"] == "original_shipping"]

    assert sum(len(delivery(part)) for part in parts) == 1


def test_each_seller_sees_only_its_part(two_sellers_order, buyer):
    from marketplace.scoping import scope_of_user
    from return_portal.withdrawal import withdraw
    from tests.return_portal.factories import returns_staff_user

    parts, _created = withdraw(buyer, two_sellers_order, [], key="k-scoped")
    roux = next(part for part in parts if part.seller.reference == "atelier-roux")
    staff = returns_staff_user(operator=False, sellers=[roux.seller])

    assert list(scope_of_user(staff).filter(ReturnRequest.objects.all())) == [roux]
