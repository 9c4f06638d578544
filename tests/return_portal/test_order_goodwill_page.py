"""The staff page "Goodwill refund of an order" (Returns → Goodwill refund of an
order): a gesture on an order without a return, scoped like everything else,
once per form (a hidden key), refused with a field error beyond what remains,
never a 500 on bad input, and behind the staff TOTP step."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from return_portal.models import Refund
from tests.accounts.sessions import login_without_mfa
from tests.factories import UserFactory
from tests.marketplace.factories import OrderFactory, OrderLineFactory, SellerFactory
from tests.return_portal.factories import returns_staff_user

D = Decimal
URL = "/admin/returns/goodwill/"


@pytest.fixture
def seller(db):
    return SellerFactory(reference="maison-durand")


@pytest.fixture
def other_seller(db):
    return SellerFactory(reference="atelier-roux", name="Atelier Roux")


def an_order(seller, reference, *more_sellers):
    order = OrderFactory(
        reference=reference,
        buyer=UserFactory(),
        placed_at=timezone.now() - timedelta(days=6),
        payment_amount=D("54.80"),
    )
    OrderLineFactory(order=order, reference="A", seller=seller)
    for number, other in enumerate(more_sellers):
        OrderLineFactory(order=order, reference=f"B{number}", seller=other)
    return order


@pytest.fixture
def order(policies, seller):
    return an_order(seller, "ORD-1001")


@pytest.fixture
def operator(db):
    return returns_staff_user(with_totp=True)


@pytest.fixture
def seller_staff(seller):
    return returns_staff_user(operator=False, sellers=[seller], with_totp=True)


def post(client, **fields):
    data = {"order": "ORD-1001", "amount": "15.00", "reason": "Late delivery"}
    data["key"] = uuid.uuid4().hex
    data.update(fields)
    return client.post(URL, data)


def goodwill_refunds():
    return list(Refund.objects.filter(kind="goodwill").values_list("order__reference", "amount"))


def test_the_returns_queue_links_to_the_page(client, operator, order):
    client.force_login(operator)

    html = client.get(reverse("returns:index")).content.decode()

    assert reverse("returns:order_goodwill") == URL
    assert f'href="{URL}"' in html and "Goodwill refund of an order" in html


def test_the_operator_refunds_an_order_without_a_return(client, operator, order):
    client.force_login(operator)
    form = client.get(URL).content.decode()
    assert 'name="key"' in form and 'name="order"' in form

    response = post(client)

    assert response.status_code == 302 and response["Location"] == URL
    assert goodwill_refunds() == [("ORD-1001", D("15.00"))]
    refund = Refund.objects.get()
    assert (refund.return_request, refund.reason, refund.created_by) == (
        None,
        "Late delivery",
        operator,
    )
    page = client.get(URL).content.decode()
    assert "Goodwill refund of €15.00 booked for order ORD-1001." in page


def test_seller_staff_refund_an_order_all_of_whose_lines_are_theirs(client, seller_staff, order):
    client.force_login(seller_staff)

    response = post(client, amount="5.00")

    assert response.status_code == 302
    assert goodwill_refunds() == [("ORD-1001", D("5.00"))]


def test_another_seller_s_order_is_answered_as_an_unknown_one(
    client, seller_staff, order, other_seller
):
    an_order(other_seller, "ORD-2002")
    client.force_login(seller_staff)

    theirs = post(client, order="ORD-2002").content.decode()
    unknown = post(client, order="ORD-9999").content.decode()

    message = "There is no order with this reference for you to refund."
    assert message in theirs and message in unknown
    assert "Atelier Roux" not in theirs and "remains to be refunded" not in theirs
    assert goodwill_refunds() == []


def test_an_order_shared_with_another_seller_is_for_the_operator(
    client, seller_staff, seller, other_seller, policies
):
    an_order(seller, "ORD-3003", other_seller)
    client.force_login(seller_staff)

    html = post(client, order="ORD-3003").content.decode()

    assert "only the operator&#x27;s staff make a goodwill refund of it" in html
    assert goodwill_refunds() == []


def test_a_double_submit_refunds_once(client, operator, order):
    client.force_login(operator)
    key = uuid.uuid4().hex

    first = post(client, key=key)
    second = post(client, key=key)

    assert first.status_code == second.status_code == 302
    assert goodwill_refunds() == [("ORD-1001", D("15.00"))]


def test_more_than_remains_is_a_field_error_that_says_what_remains(client, operator, order):
    client.force_login(operator)
    post(client, amount="50.00")

    response = post(client, amount="10.00")

    assert response.status_code == 200
    html = response.content.decode()
    assert "At most €4.80 remains to be refunded." in html
    assert "Order ORD-1001: at most €4.80 remains to be refunded." in html
    assert goodwill_refunds() == [("ORD-1001", D("50.00"))]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"order": "ORD\x00-1001"}, "Null characters are not allowed."),
        ({"reason": "Late\x00"}, "Null characters are not allowed."),
        ({"order": "O" * 65}, "Ensure this value has at most 64 characters"),
        ({"reason": "x" * 501}, "Ensure this value has at most 500 characters"),
        ({"amount": "ten"}, "Enter a number."),
        ({"amount": "-3"}, "Ensure this value is greater than or equal to 0.01."),
        ({"amount": "1e400"}, "Ensure that there are no more than 12 digits in total."),
        ({"order": "NOPE"}, "There is no order with this reference for you to refund."),
        ({"order": ""}, "Give the order&#x27;s reference."),
        ({"key": ""}, "This field is required."),
    ],
)
def test_bad_input_is_a_form_error_not_a_500(client, operator, order, fields, message):
    client.force_login(operator)

    response = post(client, **fields)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert goodwill_refunds() == []


def test_the_page_needs_the_totp_step(client, order):
    staff = returns_staff_user(with_totp=True)
    login_without_mfa(client, staff)

    response = client.post(URL, {"order": "ORD-1001", "amount": "5", "reason": "x", "key": "k"})

    assert response.status_code == 302 and "/admin/returns/" not in response["Location"]
    assert goodwill_refunds() == []


def test_staff_who_may_not_act_on_returns_are_refused(client, order):
    from tests.factories import StaffUserFactory

    viewer = StaffUserFactory(with_totp=True)
    client.force_login(viewer)

    response = post(client)

    assert response.status_code in (302, 403)
    assert goodwill_refunds() == []


def test_the_page_named_with_an_order_says_what_remains_of_it(client, seller_staff, order):
    client.force_login(seller_staff)

    html = client.get(URL, {"order": "ORD-1001"}).content.decode()

    assert "Order ORD-1001: at most €54.80 remains to be refunded." in html
    for odd in ("ORD\x00", "O" * 500, "ORD-9999"):
        response = client.get(URL, {"order": odd})
        assert response.status_code in (200, 400)  # a NUL in a URL: 400 before the view
        assert "remains to be refunded" not in response.content.decode()
