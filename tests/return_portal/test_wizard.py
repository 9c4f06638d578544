"""Starting a return in the buyer portal: items → reason → resolution → shipping →
review → confirm, as plain forms (no JavaScript) and as htmx swaps."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from marketplace.models import LineVariant
from return_portal.models import ReturnDraft, ReturnRequest
from return_portal.views import wizard
from tests.factories import UserFactory
from tests.marketplace.factories import OrderFactory, OrderLineFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def ago(days):
    return timezone.now() - timedelta(days=days)


@pytest.fixture(autouse=True)
def english():
    """Tests reverse URLs outside any request, in the thread's active language:
    a request under /fr/ (here or in an earlier module) leaves French active."""
    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture
def order(policies, reasons, buyer):
    order = OrderFactory(buyer=buyer, placed_at=ago(6), payment_amount=Decimal("104.70"))
    OrderLineFactory(order=order, reference="A", title="Oxford shirt", quantity=2)
    OrderLineFactory(order=order, reference="B", title="Toothbrush", sealed_hygiene=True)
    return order


@pytest.fixture
def signed_in(client, buyer):
    client.force_login(buyer)
    return client


def start(client, order) -> str:
    """Start a return on `order`; the draft's items step URL."""
    response = client.post(reverse("return_portal:start", args=[order.public_id]))
    assert response.status_code == 302
    return response["Location"]


def step_url(items_url, step):
    return items_url.replace("/items/", f"/{step}/")


def draft_id(items_url) -> uuid.UUID:
    return uuid.UUID(items_url.split("/drafts/")[1].split("/")[0])


STEP_DATA = {
    "items": {"qty-0": "1"},
    "reason": {"reason": "too-small", "condition": "like_new", "comment": "Runs small."},
    "resolution": {"resolution": "refund"},
    "shipping": {"shipping_method": "drop_off"},
}


def walk(client, items_url, upto="review", **headers):
    """Post every step before `upto` with valid answers."""
    for step in wizard.STEPS[: wizard.STEPS.index(upto)]:
        response = client.post(step_url(items_url, step), STEP_DATA[step], **headers)
        assert response.status_code in (200, 302), (step, response.content.decode()[:2000])
    return response


def text(response) -> str:
    return response.content.decode()


# --- the whole walk -------------------------------------------------------------------


def test_a_buyer_walks_every_step_without_javascript_and_gets_an_approved_return(
    signed_in, order, buyer
):
    items_url = start(signed_in, order)

    page = signed_in.get(items_url)
    assert page.status_code == 200
    assert 'aria-current="step"' in text(page)
    for step, following in zip(wizard.STEPS, wizard.STEPS[1:], strict=False):
        response = signed_in.post(step_url(items_url, step), STEP_DATA[step])
        assert response.status_code == 302, (step, text(response)[:2000])
        assert response["Location"] == step_url(items_url, following)

    review = signed_in.get(step_url(items_url, "review"))
    assert review.status_code == 200
    body = text(review)
    assert "Items returned" in body and "€49.90" in body
    assert "Return shipping" in body and "-€3.90" in body  # drop-off for a change of mind
    assert "§6, policy v2" in body and "/policies/return-policy/v/2/#clause-6" in body
    assert "€46.00" in body  # the total
    assert "within 14 days of this notice" in body  # the statutory refund deadline
    assert "Directive 2011/83/EU Art. 13" in body

    confirmed = signed_in.post(reverse("return_portal:confirm", args=[draft_id(items_url)]))

    created = ReturnRequest.objects.get()
    assert confirmed.status_code == 302
    assert confirmed["Location"] == reverse("return_portal:detail", args=[created.public_id])
    # A change of mind waits for the seller's decision (test_approval.py).
    assert created.buyer == buyer and created.status == "requested"
    assert created.reason.code == "too-small" and created.comment == "Runs small."
    assert [(line.order_line.reference, line.quantity) for line in created.lines.all()] == [
        ("A", 1)
    ]
    assert not ReturnDraft.objects.filter(public_id=draft_id(items_url)).exists()


def test_with_htmx_each_step_answers_the_next_steps_partial_and_pushes_its_url(signed_in, order):
    items_url = start(signed_in, order)

    for step, following in zip(wizard.STEPS, wizard.STEPS[1:], strict=False):
        response = signed_in.post(step_url(items_url, step), STEP_DATA[step], **HTMX)
        assert response.status_code == 200, (step, text(response)[:2000])
        assert response["HX-Push-Url"] == step_url(items_url, following)
        body = text(response)
        assert "<html" not in body and 'id="return-step"' in body
        assert f'action="{step_url(items_url, following)}"' in body or following == "review"
        assert "<title>" in body  # htmx updates the document title

    confirmed = signed_in.post(reverse("return_portal:confirm", args=[draft_id(items_url)]), **HTMX)

    created = ReturnRequest.objects.get()
    assert confirmed["HX-Redirect"] == reverse("return_portal:detail", args=[created.public_id])


def test_every_step_is_a_page_of_its_own_with_progress_and_a_back_link(signed_in, order):
    items_url = start(signed_in, order)
    walk(signed_in, items_url)

    for position, step in enumerate(wizard.STEPS):
        body = text(signed_in.get(step_url(items_url, step)))
        assert body.count('aria-current="step"') == 1
        assert 'id="step-heading" tabindex="-1"' in body
        if position:
            assert (
                f'class="back-link" href="{step_url(items_url, wizard.STEPS[position - 1])}"'
                in (body)
            )


def test_a_later_step_opened_before_the_earlier_ones_sends_back_to_the_first_missing(
    signed_in, order
):
    items_url = start(signed_in, order)

    response = signed_in.get(step_url(items_url, "shipping"))

    assert response.status_code == 302
    assert response["Location"] == items_url + "?recheck=1"
    assert "Choose at least one item to return." in text(signed_in.get(response["Location"]))


# --- items ----------------------------------------------------------------------------


def test_items_show_the_deadline_with_the_policy_version_and_why_a_line_cannot_be_returned(
    signed_in, policies, reasons, buyer
):
    order = OrderFactory(buyer=buyer, placed_at=ago(6))
    OrderLineFactory(order=order, reference="A", title="Oxford shirt")
    OrderLineFactory(order=order, reference="C", title="Engraved ring", custom_made=True)

    body = text(signed_in.get(start(signed_in, order)))

    assert "Returnable until" in body
    assert '<a href="/policies/return-policy/v/2/#clause-2">§2, policy v2</a>' in body
    assert "Cannot be returned" in body and "custom-made items" in body
    assert 'name="qty-0"' in body and 'name="qty-1"' not in body


def test_a_quantity_above_what_can_be_returned_is_refused(signed_in, order):
    items_url = start(signed_in, order)

    response = signed_in.post(items_url, {"qty-0": "3"})

    assert response.status_code == 422
    assert "You can return at most 2 of these." in text(response)
    assert 'value="3"' in text(response)  # what they typed stays
    assert signed_in.get(step_url(items_url, "reason")).status_code == 302


def test_a_quantity_already_in_another_return_is_refused_by_the_check(signed_in, order, buyer):
    from tests.return_portal.factories import ReturnLineFactory

    line = order.lines.get(reference="A")
    ReturnLineFactory(order_line=line, quantity=2, return_request__buyer=buyer)

    body = text(signed_in.get(start(signed_in, order)))

    assert "Every unit of this item has already been returned" in body
    assert 'name="qty-0"' not in body


def test_choosing_nothing_is_refused_with_the_error_tied_to_the_items(signed_in, order):
    items_url = start(signed_in, order)

    response = signed_in.post(items_url, {"qty-0": "0"}, **HTMX)

    body = text(response)
    assert response.status_code == 200
    assert "Choose at least one item to return." in body
    assert 'aria-describedby="items-error"' in body and 'id="items-error"' in body
    assert 'href="#items-fieldset"' in body  # the error summary links to the field


def test_a_sealed_item_asks_whether_it_was_unsealed_and_unsealed_is_refused(signed_in, order):
    items_url = start(signed_in, order)
    assert "Have you unsealed it since delivery?" in text(signed_in.get(items_url))

    unanswered = signed_in.post(items_url, {"qty-1": "1"})
    assert "Tell us whether you unsealed it since delivery." in text(unanswered)

    unsealed = signed_in.post(items_url, {"qty-1": "1", "opened-1": "yes"})
    body = text(unsealed)
    assert unsealed.status_code == 422
    assert "“Toothbrush” cannot be returned" in body
    assert "sealed hygiene goods, once unsealed" in body

    sealed = signed_in.post(items_url, {"qty-1": "1", "opened-1": "no"})
    assert sealed.status_code == 302


def test_an_order_without_any_returnable_line_says_why_instead_of_an_empty_form(
    signed_in, policies, reasons, buyer
):
    order = OrderFactory(buyer=buyer, placed_at=ago(200))
    OrderLineFactory(order=order, reference="A", title="Old shirt")

    response = signed_in.get(reverse("return_portal:start", args=[order.public_id]))

    assert response.status_code == 200
    assert "None of these items can be returned now" in text(response)
    assert "ended on" in text(response)
    assert not ReturnDraft.objects.exists()


def test_the_items_step_reads_a_constant_number_of_queries(
    signed_in, order, django_assert_max_num_queries
):
    # Session, user, order, its lines (with seller, category, version, policy and
    # returned quantities), locale, site for the policy links: 6, whatever the
    # number of lines; the site's navigation in base.html adds 4.
    for reference in ("C", "D", "E", "F", "G", "H"):
        OrderLineFactory(order=order, reference=reference)
    items_url = start(signed_in, order)

    with django_assert_max_num_queries(10):
        response = signed_in.get(items_url)

    assert text(response).count('class="line-card') == 8


# --- reason ---------------------------------------------------------------------------


def test_reasons_are_grouped_under_their_parent_which_cannot_be_chosen(signed_in, order):
    items_url = start(signed_in, order)
    walk(signed_in, items_url, upto="reason")

    body = text(signed_in.get(step_url(items_url, "reason")))

    assert '<fieldset class="reason-group">' in body
    assert "<legend>Size or fit</legend>" in body
    assert 'value="too-small"' in body and 'value="size-fit"' not in body

    refused = signed_in.post(
        step_url(items_url, "reason"), {"reason": "size-fit", "condition": "used"}
    )
    assert refused.status_code == 422
    assert "Choose the reason that fits best." in text(refused)


def test_an_invalid_reason_answers_the_error_inline_and_keeps_what_was_typed(signed_in, order):
    items_url = start(signed_in, order)
    walk(signed_in, items_url, upto="reason")

    response = signed_in.post(
        step_url(items_url, "reason"),
        {"condition": "used", "comment": "The seam is open."},
        **HTMX,
    )

    body = text(response)
    assert response.status_code == 200
    assert "<html" not in body
    assert "Choose the reason that fits best." in body
    assert 'aria-describedby="reason-error"' in body
    assert "The seam is open." in body
    assert 'value="used" id="condition-used" checked' in body
    assert "HX-Push-Url" not in response

    plain = signed_in.post(step_url(items_url, "reason"), {"comment": "The seam is open."})
    assert plain.status_code == 422
    assert "Tell us the condition of the item." in text(plain)
    assert "The seam is open." in text(plain)


# --- resolution and shipping ----------------------------------------------------------


def test_resolutions_offer_the_store_credit_bonus_and_cite_the_clause(signed_in, order):
    items_url = start(signed_in, order)
    walk(signed_in, items_url, upto="resolution")

    body = text(signed_in.get(step_url(items_url, "resolution")))

    # The labels of the rule vocabulary, as the policy and the return's page say them.
    assert ">Refund to the original payment</label>" in body
    assert ">Store credit</label>" in body
    assert "+10 % bonus" in body
    assert "§5, policy v2" in body
    # The platform sent no variant to exchange this shirt to: no exchange offered.
    assert 'value="exchange"' not in body


def test_an_exchange_needs_a_variant_in_stock_of_those_offered(signed_in, order):
    shirt = order.lines.get(reference="A")
    LineVariant.objects.create(
        line=shirt,
        sku="SHIRT-L",
        title="Oxford shirt",
        attributes={"size": "L"},
        unit_price=shirt.unit_price,
    )
    LineVariant.objects.create(
        line=shirt,
        sku="SHIRT-XL",
        title="Oxford shirt",
        attributes={"size": "XL"},
        unit_price=shirt.unit_price,
        in_stock=False,
    )
    items_url = start(signed_in, order)
    walk(signed_in, items_url, upto="resolution")

    body = text(signed_in.get(step_url(items_url, "resolution")))
    assert 'name="exchange-A" value="SHIRT-L"' in body  # shown without JavaScript too
    assert 'value="SHIRT-XL" id="exchange-A-2" disabled' in body
    assert "(out of stock)" in body

    refused = signed_in.post(step_url(items_url, "resolution"), {"resolution": "exchange"})
    assert refused.status_code == 422
    assert "Choose what you want instead of “Oxford shirt”." in text(refused)
    sold_out = signed_in.post(
        step_url(items_url, "resolution"), {"resolution": "exchange", "exchange-A": "SHIRT-XL"}
    )
    assert "This one is out of stock: choose another." in text(sold_out)
    unknown = signed_in.post(
        step_url(items_url, "resolution"), {"resolution": "exchange", "exchange-A": "X\x00" * 40}
    )
    assert unknown.status_code == 422

    accepted = signed_in.post(
        step_url(items_url, "resolution"), {"resolution": "exchange", "exchange-A": "SHIRT-L"}
    )
    assert accepted.status_code == 302


def test_shipping_shows_each_options_cost_for_the_reason(signed_in, order):
    items_url = start(signed_in, order)
    walk(signed_in, items_url, upto="shipping")

    body = text(signed_in.get(step_url(items_url, "shipping")))
    assert 'Drop-off point (QR code) — <span class="cost">€3.90</span>' in body
    assert 'Prepaid label — <span class="cost">€5.90</span>' in body
    assert "§6, policy v2" in body

    signed_in.post(
        step_url(items_url, "reason"), {"reason": "arrived-damaged", "condition": "damaged"}
    )
    body = text(signed_in.get(step_url(items_url, "shipping")))
    assert 'Drop-off point (QR code) — <span class="cost">Free</span>' in body
    assert "Free because the item is defective" in body


def test_a_shipping_method_the_policy_does_not_offer_is_refused(signed_in, order):
    items_url = start(signed_in, order)
    walk(signed_in, items_url, upto="shipping")

    response = signed_in.post(step_url(items_url, "shipping"), {"shipping_method": "own_carrier"})

    assert response.status_code == 422
    assert "Choose how you will send the parcel back." in text(response)


# --- confirm --------------------------------------------------------------------------


def test_confirming_twice_creates_one_return(signed_in, order):
    items_url = start(signed_in, order)
    walk(signed_in, items_url)
    confirm_url = reverse("return_portal:confirm", args=[draft_id(items_url)])

    first = signed_in.post(confirm_url)
    again = signed_in.post(confirm_url)
    double_click = signed_in.post(confirm_url, **HTMX)

    assert ReturnRequest.objects.count() == 1
    detail = reverse("return_portal:detail", args=[ReturnRequest.objects.get().public_id])
    assert first["Location"] == again["Location"] == detail
    assert double_click["HX-Redirect"] == detail


def test_confirming_keeps_to_its_query_budget(signed_in, order, django_assert_max_num_queries):
    # The hot path of bench/confirm_bench.py: session, user, ownership, the order and
    # its lines under lock, the reason, the return with its lines, events and outbox
    # rows, the session write (29 before the path was trimmed), the back office's
    # approval rules, and the audit log entry of the buyer's confirm: Wagtail
    # validates it (its content type and user exist) before the insert. Abuse
    # screening reads its settings with the blocklist (one query; two here, where
    # the settings were never saved: abuse._rules_and_blocked).
    items_url = start(signed_in, order)
    walk(signed_in, items_url)

    with django_assert_max_num_queries(29):
        response = signed_in.post(reverse("return_portal:confirm", args=[draft_id(items_url)]))

    assert response.status_code == 302
    assert ReturnRequest.objects.get().status == "requested"


def test_a_step_of_a_confirmed_draft_leads_to_its_return(signed_in, order):
    items_url = start(signed_in, order)
    walk(signed_in, items_url)
    signed_in.post(reverse("return_portal:confirm", args=[draft_id(items_url)]))

    back = signed_in.get(step_url(items_url, "review"))

    detail = reverse("return_portal:detail", args=[ReturnRequest.objects.get().public_id])
    assert back.status_code == 302 and back["Location"] == detail


def test_confirm_only_takes_a_post(signed_in, order):
    items_url = start(signed_in, order)
    walk(signed_in, items_url)

    response = signed_in.get(reverse("return_portal:confirm", args=[draft_id(items_url)]))

    assert response.status_code == 405
    assert not ReturnRequest.objects.exists()


def test_a_confirm_that_no_longer_holds_goes_back_to_the_failing_step_with_its_error(
    signed_in, order, buyer
):
    from tests.return_portal.factories import ReturnLineFactory

    items_url = start(signed_in, order)
    walk(signed_in, items_url)
    # Meanwhile, another tab returned both shirts.
    ReturnLineFactory(
        order_line=order.lines.get(reference="A"), quantity=2, return_request__buyer=buyer
    )
    confirm_url = reverse("return_portal:confirm", args=[draft_id(items_url)])

    with_htmx = signed_in.post(confirm_url, **HTMX)
    assert with_htmx.status_code == 200
    assert with_htmx["HX-Push-Url"] == items_url
    assert "You can return at most 0 of “Oxford shirt”." in text(with_htmx) or (
        "“Oxford shirt” cannot be returned" in text(with_htmx)
    )

    plain = signed_in.post(confirm_url)
    assert plain.status_code == 302 and plain["Location"] == items_url + "?recheck=1"
    assert "“Oxford shirt” cannot be returned" in text(signed_in.get(plain["Location"]))
    assert ReturnRequest.objects.count() == 1  # only the other tab's


def test_creating_returns_is_rate_limited_per_buyer(signed_in, order, monkeypatch):
    monkeypatch.setattr(wizard, "CREATE_LIMIT", (1, 3600))
    first = start(signed_in, order)
    walk(signed_in, first, upto="review")
    signed_in.post(reverse("return_portal:confirm", args=[draft_id(first)]))
    second = start(signed_in, order)
    walk(signed_in, second, upto="review")

    limited = signed_in.post(reverse("return_portal:confirm", args=[draft_id(second)]))
    limited_htmx = signed_in.post(reverse("return_portal:confirm", args=[draft_id(second)]), **HTMX)

    assert limited.status_code == 429
    assert "Too many requests" in text(limited)
    assert limited_htmx.status_code == 429 and 'id="return-step"' in text(limited_htmx)
    assert ReturnRequest.objects.count() == 1


# --- scoping --------------------------------------------------------------------------


def test_another_buyers_order_cannot_be_started(client, order):
    client.force_login(UserFactory())

    response = client.post(reverse("return_portal:start", args=[order.public_id]))

    assert response.status_code == 404


def test_another_buyers_draft_is_not_found(client, signed_in, order, other_buyer):
    items_url = start(signed_in, order)
    walk(signed_in, items_url)
    key = draft_id(items_url)
    client.logout()
    client.force_login(other_buyer)

    assert client.get(items_url).status_code == 404
    assert client.post(step_url(items_url, "reason"), STEP_DATA["reason"]).status_code == 404
    assert client.post(reverse("return_portal:confirm", args=[key])).status_code == 404
    assert client.post(reverse("return_portal:photo_upload", args=[key])).status_code == 404
    assert not ReturnRequest.objects.exists()


def test_another_buyers_confirmed_draft_id_is_not_found(client, signed_in, order, other_buyer):
    items_url = start(signed_in, order)
    walk(signed_in, items_url)
    signed_in.post(reverse("return_portal:confirm", args=[draft_id(items_url)]))
    client.logout()
    client.force_login(other_buyer)

    response = client.post(reverse("return_portal:confirm", args=[draft_id(items_url)]))

    assert response.status_code == 404


def test_an_unknown_step_is_not_found(signed_in, order):
    items_url = start(signed_in, order)

    assert signed_in.get(step_url(items_url, "payment")).status_code == 404


def test_signed_out_visitors_are_sent_to_log_in(client, order):
    response = client.get(reverse("return_portal:start", args=[order.public_id]))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_buyer_keeps_only_the_newest_drafts(signed_in, order, buyer):
    urls = [start(signed_in, order) for _ in range(wizard.MAX_DRAFTS + 2)]

    assert ReturnDraft.objects.filter(buyer=buyer).count() == wizard.MAX_DRAFTS
    assert signed_in.get(urls[0]).status_code == 404
    assert signed_in.get(urls[-1]).status_code == 200


def test_the_steps_speak_the_buyers_language(signed_in, order):
    items_url = start(signed_in, order)
    walk(signed_in, items_url, upto="reason")

    body = text(signed_in.get("/fr" + step_url(items_url, "reason")))

    assert "Trop petit" in body  # the French reason taxonomy
    assert "Taille ou coupe" in body


# --- the reason taxonomy in the admin -------------------------------------------------


def test_staff_edit_return_reasons_as_a_snippet_listed_with_parent_and_filtered_by_locale(
    buyer,  # first: asked for after `client`, the module's seeding found no test database
    reasons,
    client,
):
    from tests.factories import StaffUserFactory

    client.force_login(StaffUserFactory(with_totp=True, is_superuser=True))
    url = "/admin/snippets/return_portal/returnreason/"

    listing = client.get(url)
    french = client.get(url, {"locale": "fr"})
    menu = client.get("/admin/")

    assert listing.status_code == 200
    assert "Too small" in text(listing) and "Size or fit" in text(listing)  # leaf and parent
    assert "Trop petit" in text(french) and "Too small" not in text(french)
    assert "Return reasons" in text(menu)
