"""Text in another language carries its `lang`, and the reader's own text its
numbers: a German reader of a version without German text gets the English
original marked lang="en", beside the rules "at a glance" in German with
"3,90 €" and "0 %"; a help article quoting a clause that has no German text
marks its heading and the policy's title too.

The demo policy's v2 (in force) has French text only; its drop-off costs 3.90,
its store credit bonus is 10 %, its restocking fee 0 %."""

import datetime
import re

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from helpcenter.citations import Citation

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"
PAGE = "policies/return-policy/"


def main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def glance(html: str) -> str:
    return html.split('<section class="at-a-glance"', 1)[1].split("</section>", 1)[0]


def test_the_english_original_on_a_german_page_is_marked_english(
    client, policies, django_assert_max_num_queries
):
    with django_assert_max_num_queries(40):
        html = client.get(f"/de/{PAGE}").content.decode()

    assert 'class="notice" role="note"' in html
    body = main(html)
    assert re.search(r'<h1 id="policy-title" lang="en">', body)
    assert re.search(r'<p class="lead" lang="en">', body)
    assert '<div class="clauses" lang="en">' in body
    # The rules at a glance are German (the page's own language): no lang of their own.
    assert "lang=" not in glance(body)


def test_the_rules_at_a_glance_read_money_and_percentages_in_german(client, policies):
    rules = glance(main(client.get(f"/de/{PAGE}").content.decode()))

    assert f"3,90{NBSP}€" in rules and f"5,90{NBSP}€" in rules
    # The translation places the sign, with its own (no-break) space.
    assert re.search(r"\(\+10\s%\sBonus\)", rules)
    assert f"0{NBSP}%" in rules  # no restocking fee
    assert "EUR" not in rules and "10.00" not in rules and "0.00" not in rules


def test_a_french_page_with_its_own_text_needs_no_lang_and_reads_french_numbers(client, policies):
    body = main(client.get(f"/fr/{PAGE}").content.decode())

    assert 'lang="en"' not in body
    rules = glance(body)
    assert f"3,90{NBSP}€" in rules
    assert re.search(r"\(\+10\s%\sde bonus\)", rules)
    assert f"0{NBSP}%" in rules
    assert "EUR" not in rules


def test_english_reads_the_euro_sign_first(client, policies):
    rules = glance(main(client.get(f"/{PAGE}").content.decode()))

    assert "€3.90" in rules and "€5.90" in rules
    assert "(+10% bonus)" in rules
    assert "0%" in rules
    assert "3.90 EUR" not in rules


def _citation(**fields) -> Citation:
    values = {
        "anchor": "6",
        "heading": "Shipping back",
        "html": mark_safe("<p>Drop off your parcel.</p>"),
        "policy_title": "Return <policy>",
        "version_number": 2,
        "effective_from": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        "url": "/policies/return-policy/#clause-6",
        "is_fallback": True,
        "language": "en",
    }
    return Citation(**(values | fields))


def test_a_quoted_clause_in_the_original_marks_its_heading_and_the_policys_title():
    with translation.override("de"):
        html = render_to_string("helpcenter/blocks/policy_clause.html", {"citation": _citation()})

    assert '<span lang="en">Return &lt;policy&gt;</span>' in html  # and escaped
    assert '<p class="citation-heading" lang="en">' in html
    assert '<div lang="en"><p>Drop off your parcel.</p></div>' in html


def test_a_quoted_clause_in_the_readers_language_has_no_lang():
    citation = _citation(is_fallback=False, language="de", policy_title="Rückgabe <AGB>")
    with translation.override("de"):
        html = render_to_string("helpcenter/blocks/policy_clause.html", {"citation": citation})

    assert "lang=" not in html
    assert "Rückgabe &lt;AGB&gt;" in html
