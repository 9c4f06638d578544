"""The buyer sees the settlement once decided: on their return's page and in the
email, in their language, each amount with its reason and basis; the estimate is
then marked as replaced. A settlement of nothing says so and why; no email of a
return that refunds nothing says a refund is on its way. Staff see it too, and
what resolving will book."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from core.models import OutboxMessage
from return_portal import inspection, lifecycle, receiving
from return_portal.confirm import confirm_return
from return_portal.draft import Draft
from return_portal.inspection_rules import CheckResult, UnitResult
from return_portal.models import InspectionCheck, ReturnStatus
from return_portal.templatetags.portal_format import money
from tests.factories import UserFactory
from tests.marketplace.factories import OrderFactory, OrderLineFactory
from tests.return_portal.factories import returns_staff_user

D = Decimal
S = ReturnStatus
PASSED = {check.value: CheckResult(True) for check in InspectionCheck}
ON_ITS_WAY = "Your refund or credit is on its way"


@pytest.fixture
def french(db):
    return UserFactory(preferred_language="fr")


@pytest.fixture
def staff(db):
    return returns_staff_user()


def confirmed(buyer, quantity=2):
    order = OrderFactory(
        buyer=buyer,
        placed_at=timezone.now() - timedelta(days=8),
        payment_amount=D("104.70"),
        payments=[("card", "104.70")],
    )
    OrderLineFactory(order=order, reference="A", title="Chemise Oxford", quantity=2)
    draft = Draft(
        order_id=order.pk,
        quantities={"A": quantity},
        reason_code="too-small",
        condition="like_new",
        resolution="refund",
        shipping_method="drop_off",
    )
    created, _ = confirm_return(buyer, order, draft)
    return created


def settle(r, staff, *results):
    if r.status == S.REQUESTED:
        lifecycle.approve(r, actor=staff)
    receiving.receive_all(r, actor=staff)
    line = r.lines.get()
    inspection.inspect_units(
        r, [(line.pk, n, result) for n, result in enumerate(results, start=1)], actor=staff
    )
    lifecycle.resolve(r, actor=staff)
    r.refresh_from_db()
    return r


def partial():
    return UnitResult(
        "partial_refund", PASSED, deduction=D("12.50"), deduction_reason="Rayure sur le col"
    )


def refused():
    return UnitResult(
        "refused", PASSED, justification="Porté plusieurs semaines", disposition="return_to_buyer"
    )


def french_money(amount) -> str:
    with translation.override("fr"):
        return money(amount, "EUR")


def test_the_french_buyer_reads_each_amount_and_reason_on_the_page_and_in_the_email(
    policies, reasons, french, staff, client
):
    r = settle(confirmed(french), staff, UnitResult("full_refund", PASSED), partial())
    figures = r.settlement["figures"]
    assert r.settled_total > 0 and any(f["code"] == "deduction" for f in figures)

    email = OutboxMessage.objects.get(kind="resolved")
    assert email.language == "fr"
    client.force_login(french)
    with translation.override("fr"):
        page = client.get(reverse("return_portal:detail", args=[r.public_id]))
    html = page.content.decode()
    assert page.status_code == 200 and 'lang="fr"' in html

    for text in (email.body, html):
        for figure in figures:
            assert french_money(D(figure["amount"])).replace("\xa0", " ") in text.replace(
                "\xa0", " "
            ).replace("&nbsp;", " ")
        assert french_money(r.settled_total).replace("\xa0", " ") in text.replace("\xa0", " ")
        assert "Rayure sur le col" in text  # the inspector's words, as written
        assert "Articles retournés" in text  # the figures' names in French
        assert "§5, politique v2" in text or "§5" in text
        assert ON_ITS_WAY not in text
    assert 'id="settlement"' in html and "estimate-replaced" in html
    assert "Estimate replaced by the settlement" in html or "remplacée" in html


def test_nothing_refunded_says_so_and_why(policies, reasons, buyer, staff, client):
    r = settle(confirmed(buyer, quantity=1), staff, refused())

    assert r.settled_total == 0
    email = OutboxMessage.objects.get(kind="resolved")
    client.force_login(buyer)
    html = client.get(reverse("return_portal:detail", args=[r.public_id])).content.decode()
    for text in (email.body, html):
        assert "Nothing is refunded for this return." in text
        assert "Porté plusieurs semaines" in text and "sent back to you" in text
        assert ON_ITS_WAY not in text


def test_no_email_of_a_return_that_pays_nothing_says_a_refund_is_on_its_way(
    policies, reasons, buyer, staff
):
    cancelled = confirmed(buyer, quantity=1)
    if cancelled.status == S.REQUESTED:
        lifecycle.approve(cancelled, actor=staff)
    lifecycle.cancel(cancelled, actor=buyer)
    settle(confirmed(buyer, quantity=1), staff, refused())

    assert OutboxMessage.objects.exists()
    assert not any(
        ON_ITS_WAY in body for body in OutboxMessage.objects.values_list("body", flat=True)
    )


def test_staff_see_the_settlement_and_what_resolving_will_book_and_refund_by_hand(
    policies, reasons, buyer, client
):
    staff = returns_staff_user(with_totp=True)
    r = confirmed(buyer)
    if r.status == S.REQUESTED:
        lifecycle.approve(r, actor=staff)
    receiving.receive_all(r, actor=staff)
    line = r.lines.get()
    inspection.inspect_units(
        r, [(line.pk, 1, UnitResult("full_refund", PASSED)), (line.pk, 2, partial())], actor=staff
    )
    client.force_login(staff)
    url = reverse("returns:inspect", args=[r.pk])
    html = client.get(url).content.decode()
    assert "Settlement so far" in html and "Rayure sur le col" in html
    assert "Resolving settles" in html and "card" in html
    assert 'value="refund-amount"' in html and 'value="goodwill-refund"' in html

    client.post(url, {"action": "resolve"})
    r.refresh_from_db()
    assert r.status == S.RESOLVED
    key = "5b1e0c3c8f1f4f7e9d2a6b0c1d2e3f40"
    form = {
        "action": "refund-amount",
        "refund-amount-amount": "2.00",
        "refund-amount-reason": "Geste commercial",
        "refund-amount-key": key,
    }
    client.post(url, form)
    client.post(url, form)  # a double click
    assert r.refunds.filter(kind="manual").count() == 1
    too_much = {**form, "refund-amount-amount": "500.00", "refund-amount-key": key[::-1]}
    page = client.post(url, too_much, follow=True).content.decode()
    assert "remains to be refunded" in page
