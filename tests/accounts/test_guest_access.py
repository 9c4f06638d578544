"""Guest access by magic link: "Find my order" answers one way whatever was asked,
emails a one-time, expiring link scoped to one order, rate limited per email and
per address; the guest session sees only the orders it opened, never the account;
staff never get a link; signing up with the email keeps the orders."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from core.models import OutboxMessage
from marketplace.models import Order
from return_portal.models import ReturnKind, ReturnRequest
from tests.factories import StaffUserFactory, UserFactory
from tests.marketplace.conftest import policies
from tests.marketplace.factories import OrderFactory, OrderLineFactory
from tests.return_portal.conftest import reasons

__all__ = ["policies", "reasons"]

User = get_user_model()
EMAIL = "Guest.Buyer@Example.com"
NEUTRAL = "If an order matches, we've sent a link to that address."
EXPIRED = "This link has expired or was already used — ask for a new one."
FIND = reverse("guest_find_order")


def ago(days):
    return timezone.now() - timedelta(days=days)


def guest_order(reference="G-1001", email=EMAIL, **fields):
    order = OrderFactory(
        reference=reference,
        buyer_email=email.lower(),
        placed_at=ago(13),
        payment_amount=Decimal("104.70"),
        **fields,
    )
    OrderLineFactory(order=order, reference="A", title="Oxford shirt", delivered_at=ago(10))
    OrderLineFactory(order=order, reference="B", title="Derby shoes", delivered_at=ago(10))
    return order


@pytest.fixture
def order(policies, reasons):
    return guest_order()


@pytest.fixture
def second_order(policies, reasons):
    return guest_order("G-1002")


def find(client, reference, email, **extra):
    return client.post(FIND, {"reference": reference, "email": email}, **extra)


def links(outbox=None):
    """The magic links emailed so far, newest last."""
    found = []
    for message in OutboxMessage.objects.order_by("id"):
        found += re.findall(r"http://testserver(\S*/returns/guest/\S+)", message.body)
    return found


def link_of(client, order, reference=None):
    find(client, reference or order.reference, EMAIL)
    [link] = [url for url in links() if str(order.public_id) in url][-1:]
    return link


def open_link(client, link):
    """GET the link (a button), then POST it as the button does."""
    page = client.get(link)
    assert page.status_code == 200, page.status_code
    token = link.split("sesame=")[1]
    return client.post(link.split("?")[0], {"sesame": token})


def body_without_csrf(response) -> str:
    """The page without its CSRF tokens and the links back to the address asked
    for (log in and return, the language switcher), which differ by what was asked."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"|"X-CSRFToken": "[^"]*"', "", html)
    html = re.sub(r'\?next=[^"]*"', '"', html)
    return re.sub(r'href="[^"]*/returns/guest/[^"]*"', 'href=""', html)


# --- the neutral answer ------------------------------------------------------------


def test_the_answer_is_the_same_whether_the_pair_exists_or_not(client, order):
    client.get(FIND)  # a CSRF cookie, as a browser has
    matching = find(client, "  g-1001 ", "guest.buyer@EXAMPLE.com ")
    wrong_email = find(client, order.reference, "someone@example.com")
    no_order = find(client, "NOPE-1", "nobody@example.com")

    assert matching.status_code == wrong_email.status_code == no_order.status_code == 200
    assert NEUTRAL in matching.content.decode()
    assert body_without_csrf(matching) == body_without_csrf(wrong_email)
    assert body_without_csrf(matching) == body_without_csrf(no_order)
    assert "guest/sent.html" in [t.name for t in matching.templates]
    assert "guest/sent.html" in [t.name for t in no_order.templates]
    # Only the matching pair (reference trimmed, email in any case) emailed a link.
    assert OutboxMessage.objects.count() == 1
    message = OutboxMessage.objects.get()
    assert message.recipient == EMAIL.lower()
    assert order.reference in message.subject


def test_a_wrong_pair_sends_no_email_and_creates_nobody(client, order):
    find(client, order.reference, "other@example.com")
    find(client, "G-9999", EMAIL)

    assert not OutboxMessage.objects.exists()
    assert not User.objects.filter(is_guest=True).exists()


def test_the_link_email_is_in_the_language_of_the_page(
    client, order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/fr/returns/find/", {"reference": order.reference, "email": EMAIL})

    assert response.status_code == 200
    [email] = mail.outbox
    assert email.to == [EMAIL.lower()]
    assert "/fr/returns/guest/" in email.body
    assert "Hello," not in email.body  # French, not English


@pytest.mark.parametrize(
    "data",
    [
        {"reference": "G-1001\x00", "email": EMAIL},
        {"reference": "G-1001", "email": "guest\x00@example.com"},
        {"reference": "R" * 65, "email": EMAIL},
        {"reference": "G-1001", "email": "a" * 250 + "@example.com"},
        {"reference": "G-1001\x07", "email": EMAIL},
        {"reference": "", "email": "not an email"},
    ],
)
def test_bad_input_is_a_form_error_never_a_server_error(client, order, data):
    response = client.post(FIND, data)

    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    assert not OutboxMessage.objects.exists()


def test_bad_input_is_explained_in_the_readers_language(client, order):
    response = client.post("/de/returns/find/", {"reference": "G\x00", "email": EMAIL})

    assert response.status_code == 422
    assert "Nullzeichen sind nicht erlaubt." in response.content.decode()


def test_the_find_post_has_a_query_budget(client, order, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        response = find(client, order.reference, EMAIL)
    assert response.status_code == 200
    with django_assert_max_num_queries(4):
        find(client, "G-404", "none@example.com")


def test_the_form_is_on_the_home_page_and_the_sign_in_page(client, site_tree):
    for path in ("/", reverse("account_login"), "/fr/"):
        html = client.get(path).content.decode()
        assert 'action="' + ("/fr" if path == "/fr/" else "") + '/returns/find/"' in html, path
        assert 'name="reference"' in html and 'name="email"' in html


# --- rate limits -------------------------------------------------------------------


def test_too_many_requests_for_one_email_is_a_429_with_retry_after(client, order):
    for _ in range(5):
        assert find(client, "X-1", EMAIL, REMOTE_ADDR=f"10.0.0.{_}").status_code == 200

    response = find(client, order.reference, EMAIL, REMOTE_ADDR="10.0.1.1")

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert not OutboxMessage.objects.exists()
    # Another email from that address still works.
    assert find(client, "X-1", "else@example.com", REMOTE_ADDR="10.0.1.1").status_code == 200


def test_too_many_requests_from_one_address_is_a_429_with_retry_after(client, order):
    for n in range(20):
        assert find(client, "X-1", f"buyer{n}@example.com").status_code == 200

    response = find(client, order.reference, EMAIL)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert not OutboxMessage.objects.exists()


# --- the link ----------------------------------------------------------------------


def test_the_link_opens_the_order_as_a_guest(client, order):
    link = link_of(client, order)

    response = open_link(client, link)

    assert response.status_code == 302
    assert response["Location"] == reverse("return_portal:orders")
    page = client.get(reverse("return_portal:orders")).content.decode()
    assert "Order G-1001" in page and "You are a guest" in page
    guest = User.objects.get(email=EMAIL.lower())
    assert guest.is_guest and not guest.has_usable_password()
    order.refresh_from_db()
    assert order.buyer == guest


def test_opening_the_link_page_alone_uses_nothing_up(client, order):
    """A mail scanner fetching the link does not sign in nor spend the token."""
    link = link_of(client, order)

    for _ in range(3):
        page = client.get(link)
        assert page.status_code == 200
        assert page["Referrer-Policy"] == "same-origin"  # the token stays on this site

    assert "_auth_user_id" not in client.session
    assert open_link(client, link).status_code == 302


def test_a_reused_link_shows_the_expired_page(client, order):
    link = link_of(client, order)
    open_link(client, link)
    client.logout()

    again = client.get(link)
    posted = client.post(link.split("?")[0], {"sesame": link.split("sesame=")[1]})

    for response in (again, posted):
        assert response.status_code == 410
        assert EXPIRED in response.content.decode()
        assert 'name="reference"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_expired_link_shows_the_expired_page(client, order):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        link = link_of(client, order)
        traveller.shift(timedelta(minutes=61))
        response = client.get(link)

    assert response.status_code == 410
    assert EXPIRED in response.content.decode()


def test_the_expired_page_does_not_tell_whether_the_order_exists(client, order):
    link = link_of(client, order)
    token = link.split("sesame=")[1]
    unknown = f"/returns/guest/00000000-0000-4000-8000-000000000000/?sesame={token}"

    real = client.get(link.replace(token, token[:-2] + "xx"))
    fake = client.get(unknown)
    garbage = client.get(f"/returns/guest/{order.public_id}/?sesame=%E2%82%AC" + "a" * 500)

    assert real.status_code == fake.status_code == garbage.status_code == 410
    assert body_without_csrf(real) == body_without_csrf(fake) == body_without_csrf(garbage)


def test_a_link_for_order_a_never_opens_order_b(client, order, second_order):
    link_a = link_of(client, order)
    token = link_a.split("sesame=")[1]
    url_b = reverse("guest_open_order", args=[second_order.public_id])

    assert client.get(f"{url_b}?sesame={token}").status_code == 410
    assert client.post(url_b, {"sesame": token}).status_code == 410
    second_order.refresh_from_db()
    assert second_order.buyer is None


def test_the_guest_sees_only_the_orders_whose_links_were_opened(client, order, second_order):
    open_link(client, link_of(client, order))
    order_b_urls = [
        reverse("return_portal:withdraw", args=[second_order.public_id]),
        reverse("return_portal:start", args=[second_order.public_id]),
    ]
    # Order B belongs to the same email (and, once opened elsewhere, the same guest).
    second_order.buyer = User.objects.get(email=EMAIL.lower())
    second_order.save()

    page = client.get(reverse("return_portal:orders")).content.decode()
    assert "G-1001" in page and "G-1002" not in page
    assert client.get(order_b_urls[0]).status_code == 404
    assert client.post(order_b_urls[1]).status_code == 404
    assert client.get(reverse("return_portal:withdraw", args=[order.public_id])).status_code == 200

    # Its own link opens it too, in the same session, next to the first.
    open_link(client, link_of(client, second_order))
    page = client.get(reverse("return_portal:orders")).content.decode()
    assert "G-1001" in page and "G-1002" in page


@pytest.mark.parametrize(
    "name", ["account_email", "account_change_password", "mfa_index", "account_my_data"]
)
def test_a_guest_session_has_no_account_pages(client, order, name):
    open_link(client, link_of(client, order))

    assert client.get(reverse(name)).status_code == 404


def test_a_guest_session_has_no_credit_support_requests_or_admin(client, order):
    open_link(client, link_of(client, order))

    assert client.get(reverse("return_portal:credit")).status_code == 404
    assert client.get(reverse("helpcenter:my_requests")).status_code == 404
    assert client.get("/admin/").status_code == 404
    home = client.get(reverse("return_portal:orders")).content.decode()
    assert reverse("account_email") not in home  # no "My account" in the header


def test_a_guest_withdraws_and_the_acknowledgement_goes_to_the_orders_email(
    client, order, django_capture_on_commit_callbacks
):
    open_link(client, link_of(client, order))
    start = reverse("return_portal:withdraw", args=[order.public_id])
    confirm = reverse("return_portal:withdraw_confirm", args=[order.public_id])
    assert client.post(start, {"units-0": "1", "method-0": "drop_off"}).status_code == 302
    key = client.get(confirm).content.decode().split('name="key" value="')[1].split('"')[0]
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirm, {"key": key})

    withdrawal = ReturnRequest.objects.get()
    assert response.status_code == 302
    assert withdrawal.kind == ReturnKind.WITHDRAWAL
    assert [line.order_line.reference for line in withdrawal.lines.all()] == ["A"]
    acknowledgements = [m for m in mail.outbox if "/returns/guest/" not in m.body]
    [email] = [m for m in acknowledgements if order.reference in m.subject]
    assert email.to == [EMAIL.lower()]
    assert "Oxford shirt" in email.body and "Derby shoes" not in email.body
    assert (
        client.get(reverse("return_portal:detail", args=[withdrawal.public_id])).status_code == 200
    )


def test_a_guest_starts_a_return_of_the_opened_order(client, order):
    open_link(client, link_of(client, order))

    started = client.post(reverse("return_portal:start", args=[order.public_id]))

    assert started.status_code == 302
    step = client.get(started["Location"])
    assert step.status_code == 200
    assert "Oxford shirt" in step.content.decode()


# --- who gets no link --------------------------------------------------------------


def test_staff_get_no_link_only_the_neutral_answer(client, policies, reasons):
    staff = StaffUserFactory(email="boss@example.com")
    staff_order = guest_order("S-1", email=staff.email)

    response = find(client, staff_order.reference, staff.email)

    assert response.status_code == 200 and NEUTRAL in response.content.decode()
    assert not OutboxMessage.objects.exists()


def test_a_link_never_signs_staff_in(client, order):
    link = link_of(client, order)
    guest = User.objects.get(email=EMAIL.lower())
    User.objects.filter(pk=guest.pk).update(is_staff=True)

    assert client.get(link).status_code == 410
    assert client.post(link.split("?")[0], {"sesame": link.split("sesame=")[1]}).status_code == 410
    assert "_auth_user_id" not in client.session


def test_an_account_holder_is_told_to_sign_in_without_a_link(client, policies, reasons):
    buyer = UserFactory(email="member@example.com")
    member_order = guest_order("M-1", email=buyer.email)

    find(client, member_order.reference, "MEMBER@example.com")

    message = OutboxMessage.objects.get()
    assert "/returns/guest/" not in message.body
    assert reverse("account_login") in message.body
    assert not User.objects.filter(is_guest=True).exists()


# --- signing up later --------------------------------------------------------------


def test_signing_up_with_the_guests_email_sets_no_password_the_reset_link_does(
    client, order, django_capture_on_commit_callbacks
):
    """A sign-up proves nothing: on a guest's email it answers as for any account
    (allauth emails that one exists). The reset link sent to the address turns
    the guest row, with its orders, into the buyer's account."""
    open_link(client, link_of(client, order))
    guest = User.objects.get(email=EMAIL.lower())
    client.post(reverse("account_logout"))
    mail.outbox.clear()

    client.post(
        reverse("account_signup"),
        {"email": EMAIL, "password1": "a-long-Passw0rd!", "password2": "a-long-Passw0rd!"},
    )
    guest.refresh_from_db()
    assert guest.is_guest and not guest.has_usable_password()
    assert User.objects.filter(email__iexact=EMAIL).count() == 1

    mail.outbox.clear()
    client.post(reverse("account_reset_password"), {"email": EMAIL})
    [reset] = [m for m in mail.outbox if "/accounts/password/reset/key/" in m.body]
    reset_url = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", reset.body)
    form = client.get(reset_url.group(1), follow=True)
    client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else reset_url.group(1),
        {"password1": "a-long-Passw0rd!", "password2": "a-long-Passw0rd!"},
    )

    account = User.objects.get(pk=guest.pk)
    assert not account.is_guest and account.has_usable_password()
    assert EmailAddress.objects.get(user=account).verified
    client.force_login(account)
    page = client.get(reverse("return_portal:orders")).content.decode()
    assert 'class="order-card"' in page and "Order G-1001" in page
    assert "You are a guest" not in page
    assert client.get(reverse("account_email")).status_code == 200
    # And a link asked for now is a sign-in reminder, never a magic link.
    client.logout()
    find(client, order.reference, EMAIL)
    assert "/returns/guest/" not in OutboxMessage.objects.order_by("-id").first().body


def test_a_second_sign_up_cannot_hijack_the_guest_row(client, order):
    open_link(client, link_of(client, order))
    client.post(reverse("account_logout"))
    for password in ("victim-Passw0rd!1", "attacker-Passw0rd!2"):
        client.post(
            reverse("account_signup"),
            {"email": EMAIL, "password1": password, "password2": password},
        )
    guest = User.objects.get(email__iexact=EMAIL)
    assert guest.is_guest and not guest.has_usable_password()
    assert not client.login(email=EMAIL, password="attacker-Passw0rd!2")


def test_a_sign_up_does_not_take_an_accounts_email(client, db):
    UserFactory(email="taken@example.com")

    client.post(
        reverse("account_signup"),
        {
            "email": "taken@example.com",
            "password1": "a-long-Passw0rd!",
            "password2": "a-long-Passw0rd!",
        },
    )

    assert User.objects.filter(email="taken@example.com").count() == 1
    assert User.objects.get(email="taken@example.com").last_name.startswith("Buyer")


def test_orders_are_unchanged_by_a_wrong_pair(client, order):
    find(client, order.reference, "x@example.com")
    assert Order.objects.get(pk=order.pk).buyer_id is None
