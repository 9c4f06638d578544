"""Partial withdrawal with the withdrawal button (Directive 2011/83/EU Art. 11a):
the buyer chooses the items and units, and a return method with its cost among
those the pinned policy offers, before the separate confirmation; the return and
the acknowledgement hold exactly that. Bad input is a form error, never a 500,
and creates nothing."""

from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from return_portal.draft import StepError
from return_portal.models import ReturnKind, ReturnRequest, ReturnStatus
from return_portal.withdrawal import withdraw
from tests.marketplace.factories import OrderFactory, OrderLineFactory, SellerFactory

LABEL = "Withdraw from contract here"


def ago(days):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def signed_in(client, buyer):
    client.force_login(buyer)
    return client


@pytest.fixture
def order(policies, reasons, buyer):
    """Delivered 10 days ago: 3 shirts (line A, position 0) and one pair of shoes
    (line B, position 1), both inside the 14-day withdrawal period. The pinned
    policy offers a drop-off point (3.90) and a prepaid label (5.90)."""
    order = OrderFactory(
        buyer=buyer, reference="F-PARTIAL", placed_at=ago(13), payment_amount=Decimal("209.70")
    )
    OrderLineFactory(
        order=order,
        reference="A",
        title="Oxford shirt",
        quantity=3,
        unit_price=Decimal("30.00"),
        delivered_at=ago(10),
    )
    OrderLineFactory(
        order=order,
        reference="B",
        title="Derby shoes",
        unit_price=Decimal("119.00"),
        delivered_at=ago(10),
    )
    return order


def urls(order):
    return (
        reverse("return_portal:withdraw", args=[order.public_id]),
        reverse("return_portal:withdraw_confirm", args=[order.public_id]),
    )


def key_of(response) -> str:
    return response.content.decode().split('name="key" value="')[1].split('"')[0]


def choose(client, order, data):
    """Step one with `data`, then the confirmation page."""
    start, confirm = urls(order)
    response = client.post(start, data)
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == confirm
    return client.get(confirm)


TWO_SHIRTS_BY_LABEL = {"units-0": "2", "method-0": "prepaid_label"}  # shoes unticked


# --- one of two items, the units and the method chosen -------------------------------------


def test_the_first_step_offers_units_per_line_grouped_by_seller_and_each_method_with_its_cost(
    signed_in, order
):
    html = signed_in.get(urls(order)[0]).content.decode()

    assert "Sold by Maison-Durand" in html
    assert 'type="number" name="units-0"' in html and 'max="3"' in html
    assert 'value="3"' in html  # every unit at first: the buyer lowers it
    assert 'type="checkbox" name="units-1"' in html  # the one pair of shoes
    assert "<legend>Items you withdraw from" in html
    assert "<legend>How will you send these items back?" in html
    assert "€3.90" in html and "€5.90" in html
    assert " checked" not in html.split("<legend>How will you send these items back?")[1]


def test_one_of_two_items_is_withdrawn_with_the_units_and_the_method_chosen(
    signed_in, order, buyer, django_capture_on_commit_callbacks
):
    confirm_page = choose(signed_in, order, TWO_SHIRTS_BY_LABEL)
    summary = confirm_page.content.decode()

    # The confirmation shows exactly what will be withdrawn, and how it goes back.
    assert confirm_page.status_code == 200
    assert "2 × Oxford shirt" in summary and "Derby shoes" not in summary
    assert "Prepaid label" in summary and "€5.90" in summary
    assert not ReturnRequest.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(urls(order)[1], {"key": key_of(confirm_page)})

    withdrawal = ReturnRequest.objects.get()
    assert withdrawal.kind == ReturnKind.WITHDRAWAL
    assert withdrawal.status == ReturnStatus.APPROVED
    assert [(line.order_line.reference, line.quantity) for line in withdrawal.lines.all()] == [
        ("A", 2)
    ]
    assert withdrawal.shipping_method == "prepaid_label"
    assert withdrawal.shipping_cost == Decimal("5.90")
    assert response["Location"] == reverse("return_portal:detail", args=[withdrawal.public_id])

    # The acknowledgement lists only what was withdrawn, with the notice's date and time.
    [email] = [m for m in mail.outbox if order.reference in m.subject]
    assert email.to == [buyer.email]
    assert "- 2 × Oxford shirt" in email.body
    assert "Derby shoes" not in email.body
    assert "Return method: Prepaid label — €5.90" in email.body
    notice = timezone.localtime(withdrawal.notice_at, timezone.get_default_timezone())
    assert notice.strftime("%H:%M:%S") in email.body
    assert withdrawal.notice_at.astimezone(UTC).isoformat()[:19] in email.body

    # The withdrawal's page lists the same units.
    page = signed_in.get(response["Location"]).content.decode()
    assert "2 × Oxford shirt" in page and "Derby shoes" not in page


def test_the_unit_left_can_still_be_withdrawn_from_afterwards(signed_in, order):
    signed_in.post(urls(order)[1], {"key": key_of(choose(signed_in, order, TWO_SHIRTS_BY_LABEL))})

    html = signed_in.get(urls(order)[0]).content.decode()

    assert 'type="checkbox" name="units-0"' in html  # one shirt left
    assert "Oxford shirt" in html and "Derby shoes" in html


def test_the_drop_off_point_records_its_cost_and_a_drop_off_code(signed_in, order):
    page = choose(signed_in, order, {"units-1": "1", "method-0": "drop_off"})
    signed_in.post(urls(order)[1], {"key": key_of(page)})

    withdrawal = ReturnRequest.objects.get()
    assert [line.order_line.reference for line in withdrawal.lines.all()] == ["B"]
    assert withdrawal.shipping_method == "drop_off"
    assert withdrawal.shipping_cost == Decimal("3.90")
    assert withdrawal.drop_off_code


# --- bad input: a form error, nothing created ----------------------------------------------


def test_withdrawing_from_nothing_is_a_form_error(signed_in, order):
    response = signed_in.post(urls(order)[0], {"units-0": "0", "method-0": "drop_off"})
    html = response.content.decode()

    assert response.status_code == 422
    assert 'role="alert"' in html
    assert '<a href="#items-0">Choose at least one item to withdraw from.</a>' in html
    assert 'aria-describedby="lines-error"' in html
    assert not ReturnRequest.objects.exists()
    # Nothing to confirm either.
    assert signed_in.get(urls(order)[1])["Location"] == urls(order)[0]


@pytest.mark.parametrize(
    ("units", "message"),
    [
        ("4", "You can withdraw from at most 3 of these."),
        ("-1", "Enter 0 or more."),
        ("two", "Enter a whole number."),
        ("1.5", "Enter a whole number."),
        ("1\x00", "Enter a whole number."),
        ("9" * 5000, "Enter a whole number."),
        ("9" * 200, "You can withdraw from at most 3 of these."),
    ],
)
def test_bad_units_are_a_clear_error_on_the_field(signed_in, order, units, message):
    response = signed_in.post(urls(order)[0], {"units-0": units, "method-0": "drop_off"})
    html = response.content.decode()

    assert response.status_code == 422
    assert f'<a href="#id_units-0">{message}</a>' in html
    assert 'aria-invalid="true"' in html
    assert not ReturnRequest.objects.exists()


@pytest.mark.parametrize("method", ["", "teleport", "drop_off\x00", "x" * 5000])
def test_a_missing_or_unknown_method_is_an_error(signed_in, order, method):
    response = signed_in.post(urls(order)[0], {"units-1": "1", "method-0": method})
    html = response.content.decode()

    assert response.status_code == 422
    assert '<a href="#method-0">Choose how you will send the parcel back.</a>' in html
    assert not ReturnRequest.objects.exists()


def test_the_service_refuses_bad_quantities_and_methods(order, buyer):
    for quantities, shipping in [
        ({"A": 4}, "drop_off"),  # more than is left
        ({"A": 0, "B": 0}, "drop_off"),  # nothing
        ({"A": -1}, "drop_off"),
        ({"A": "1"}, "drop_off"),  # not a whole number
        ({"A": 1}, "teleport"),  # not offered
        ({"A": 1}, {}),  # the seller's method missing
    ]:
        with pytest.raises(StepError):
            withdraw(buyer, order, [], "k-bad", quantities=quantities, shipping=shipping)
    assert not ReturnRequest.objects.exists()


def test_units_withdrawn_meanwhile_send_the_confirmation_back(signed_in, order, buyer):
    page = choose(signed_in, order, {"units-0": "3", "method-0": "drop_off"})
    withdraw(buyer, order, [], "k-elsewhere", quantities={"A": 1}, shipping="drop_off")

    response = signed_in.post(urls(order)[1], {"key": key_of(page)})

    assert response["Location"] == urls(order)[0]
    assert ReturnRequest.objects.count() == 1  # only the other one


# --- scope and replay -------------------------------------------------------------------------


def test_another_buyers_order_is_not_found(client, order, other_buyer):
    client.force_login(other_buyer)
    start, confirm = urls(order)

    assert client.get(start).status_code == 404
    assert client.post(start, TWO_SHIRTS_BY_LABEL).status_code == 404
    assert client.get(confirm).status_code == 404
    assert client.post(confirm, {"key": "0" * 32}).status_code == 404
    assert not ReturnRequest.objects.exists()


def test_a_replayed_confirmation_creates_one_return(signed_in, order):
    key = key_of(choose(signed_in, order, TWO_SHIRTS_BY_LABEL))
    again = key_of(choose(signed_in, order, TWO_SHIRTS_BY_LABEL))  # back and forth

    first = signed_in.post(urls(order)[1], {"key": key})
    second = signed_in.post(urls(order)[1], {"key": key})

    assert again == key
    assert ReturnRequest.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert ReturnRequest.objects.get().lines.get().quantity == 2


def test_the_service_is_idempotent_by_its_key(order, buyer):
    parts, created = withdraw(buyer, order, [], "k-once", quantities={"A": 1}, shipping="drop_off")
    again, created_again = withdraw(
        buyer, order, [], "k-once", quantities={"A": 1}, shipping="drop_off"
    )

    assert created and not created_again
    assert [p.pk for p in again] == [p.pk for p in parts]


# --- several sellers: one method each ------------------------------------------------------


def test_each_seller_ships_back_by_the_method_chosen_for_it(signed_in, order):
    roux = SellerFactory(reference="atelier-roux", name="Atelier Roux")
    OrderLineFactory(
        order=order,
        reference="C",
        title="Linen scarf",
        seller=roux,
        delivered_at=ago(10),
        policy_version=order.lines.get(reference="A").pin.version,
    )
    html = signed_in.get(urls(order)[0]).content.decode()
    assert "Sold by Atelier Roux" in html
    assert 'name="method-1"' in html

    page = choose(
        signed_in,
        order,
        {"units-0": "1", "method-0": "drop_off", "units-2": "1", "method-1": "prepaid_label"},
    )
    signed_in.post(urls(order)[1], {"key": key_of(page)})

    methods = {r.seller.reference: r.shipping_method for r in ReturnRequest.objects.all()}
    assert methods == {"maison-durand": "drop_off", "atelier-roux": "prepaid_label"}


# --- the buttons on My orders ---------------------------------------------------------------


def test_the_two_buttons_on_my_orders_have_the_same_weight(signed_in, order):
    html = signed_in.get(reverse("return_portal:orders")).content.decode()
    card = html.split("Order F-PARTIAL")[1]

    withdraw_tag = card.split(LABEL)[0].rsplit("<a ", 1)[1]
    return_tag = card.split("Return items")[0].rsplit("<button ", 1)[1]
    assert 'class="button button-secondary"' in withdraw_tag
    assert 'class="button-secondary"' in return_tag
    assert "button-withdraw" not in card


# --- query budget ---------------------------------------------------------------------------


def test_the_first_step_reads_a_fixed_number_of_queries(signed_in, order):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert signed_in.get(urls(order)[0]).status_code == 200
        return len(captured)

    queries()  # the first request warms the caches (site, locales)
    with_two_lines = queries()
    for reference in ("D", "E", "F"):
        OrderLineFactory(
            order=order,
            reference=reference,
            delivered_at=ago(10),
            policy_version=order.lines.get(reference="A").pin.version,
        )

    assert queries() == with_two_lines
