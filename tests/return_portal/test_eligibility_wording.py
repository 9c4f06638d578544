"""One eligibility wording everywhere: My orders, the items step and "nothing to
return" say the same sentence of a line, with its basis cited and always the
link to the pinned policy version, whether the order arrived in full or in part."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from tests.marketplace.factories import OrderFactory, OrderLineFactory

POLICY_LINK = re.compile(r'<a href="[^"]*/policies/return-policy/v/\d+/(#clause-[\w.]+)?">')


def ago(days):
    return timezone.now() - timedelta(days=days)


@pytest.fixture(autouse=True)
def english():
    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture
def signed_in(client, buyer):
    client.force_login(buyer)
    return client


def eligibility_of(html: str, title: str) -> str:
    """The eligibility paragraphs (headline and notes) shown under a line's title."""
    after = html.split(title, 1)[1]
    found = re.findall(
        r'<p class="(?:eligibility|help-text eligibility-note)[^"]*">(.*?)</p>', after
    )
    assert found, after[:1500]
    headline = found[0]
    return headline


def orders_page(client) -> str:
    return client.get(reverse("return_portal:orders")).content.decode()


def items_step(client, order) -> str:
    response = client.post(reverse("return_portal:start", args=[order.public_id]))
    assert response.status_code == 302, response.content.decode()[:500]
    return client.get(response["Location"]).content.decode()


def test_a_partly_delivered_order_reads_as_the_others_with_the_policy_link(
    signed_in, policies, reasons, buyer
):
    order = OrderFactory(buyer=buyer, reference="F-PART", placed_at=ago(6))
    OrderLineFactory(order=order, reference="A", title="Oxford shirt", delivered_at=ago(3))
    OrderLineFactory(order=order, reference="B", title="Derby shoes", delivered_at=None)
    full = OrderFactory(buyer=buyer, reference="F-FULL", placed_at=ago(6))
    OrderLineFactory(order=full, reference="A", title="Linen trousers", delivered_at=ago(3))

    page = orders_page(signed_in)
    partly = eligibility_of(page, "Oxford shirt")
    whole = eligibility_of(page, "Linen trousers")

    # The same form for both: the sentence, then its basis linked to the version.
    assert partly.startswith("Returnable until at least ")
    assert whole.startswith("Returnable until ")
    assert POLICY_LINK.search(partly) and POLICY_LINK.search(whole)
    assert "under §" not in page  # no clause written into a sentence without its link
    assert "starts when the last item of the order is delivered" in page
    # The items step says it in the same words.
    assert eligibility_of(items_step(signed_in, order), "Oxford shirt") == partly
    assert eligibility_of(items_step(signed_in, full), "Linen trousers") == whole


def test_a_line_not_delivered_yet_links_the_policy_too(signed_in, policies, reasons, buyer):
    order = OrderFactory(buyer=buyer, placed_at=ago(2))
    OrderLineFactory(order=order, reference="A", title="Oxford shirt", delivered_at=None)

    line = eligibility_of(orders_page(signed_in), "Oxford shirt")

    assert "has not been delivered yet" in line
    assert POLICY_LINK.search(line) and re.search(r"policy v\d+</a>", line)


def test_nothing_to_return_words_each_line_as_my_orders_does(signed_in, policies, reasons, buyer):
    order = OrderFactory(buyer=buyer, placed_at=ago(200))
    OrderLineFactory(order=order, reference="A", title="Old shirt", delivered_at=ago(195))

    on_orders = eligibility_of(orders_page(signed_in), "Old shirt")
    response = signed_in.post(reverse("return_portal:start", args=[order.public_id]))
    on_start = eligibility_of(response.content.decode(), "Old shirt")

    assert "None of these items can be returned now" in response.content.decode()
    assert "ended on" in on_orders and POLICY_LINK.search(on_orders)
    assert re.sub(r'<span class="tag">[^<]*</span> ', "", on_start) == on_orders


def test_an_excluded_item_cites_its_clause_beside_the_sentence(signed_in, policies, reasons, buyer):
    order = OrderFactory(buyer=buyer, placed_at=ago(6))
    OrderLineFactory(order=order, reference="A", title="Oxford shirt")
    OrderLineFactory(order=order, reference="C", title="Engraved ring", custom_made=True)

    ring = eligibility_of(orders_page(signed_in), "Engraved ring")

    assert ring.startswith("Not returnable: custom-made items are excluded (")
    assert "under §" not in ring
    assert re.search(r"#clause-[\w.]+\">§[\w.]+, policy v\d+</a>", ring)
    assert eligibility_of(items_step(signed_in, order), "Engraved ring").endswith(
        ring.split("excluded", 1)[1]
    )


def test_the_orders_page_keeps_its_query_budget_with_the_wording(
    signed_in, policies, reasons, buyer, django_assert_max_num_queries
):
    for n in range(5):
        order = OrderFactory(buyer=buyer, placed_at=ago(6 + n * 40))
        OrderLineFactory(order=order, reference="A", delivered_at=None if n == 1 else ago(3))
        OrderLineFactory(order=order, reference="B", custom_made=True)
    orders_page(signed_in)  # warms the per-process caches

    with django_assert_max_num_queries(13):
        assert "Returnable until" in orders_page(signed_in)
