"""Approval (issue 12, point 2): the rules that approve a request at once, the wait
for a decision with its deadline, the label or QR code only once approved, the
rejection reasons in the buyer's language, and the sweep of late decisions."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from core.models import OutboxMessage
from return_portal import approval, lifecycle, support
from return_portal.approval import Request, Rule
from return_portal.confirm import confirm_return
from return_portal.draft import Draft
from return_portal.models import BackOfficeSettings, RejectionReason, ReturnStatus
from return_portal.notes import INTERNAL_EVENTS
from return_portal.rejection import active_reasons, reason_label
from return_portal.seeding import seed_rejection_reasons, seed_staff_permissions
from tests.factories import StaffUserFactory, UserFactory
from tests.marketplace.factories import OrderFactory, OrderLineFactory, SellerFactory
from tests.return_portal.factories import returns_staff_user

S = ReturnStatus
PARIS = ZoneInfo("Europe/Paris")


def ago(days):
    return timezone.now() - timedelta(days=days)


def office(**values) -> BackOfficeSettings:
    settings = BackOfficeSettings.load()
    for name, value in values.items():
        setattr(settings, name, value)
    settings.save()
    return settings


@pytest.fixture
def order(policies, reasons, buyer):
    order = OrderFactory(buyer=buyer, placed_at=ago(8), payment_amount=Decimal("104.70"))
    OrderLineFactory(
        order=order, reference="A", title="Oxford shirt", unit_price=Decimal("49.90"), quantity=2
    )
    return order


def confirm(buyer, order, *, reason="too-small", shipping="drop_off", units=1, at=None):
    draft = Draft(
        order_id=order.pk,
        quantities={"A": units},
        reason_code=reason,
        condition="like_new" if reason == "too-small" else "damaged",
        resolution="refund",
        shipping_method=shipping,
    )
    return_request, _created = confirm_return(buyer, order, draft, at=at)
    return return_request


def detail(client, return_request, language="en"):
    with translation.override(language):
        url = reverse("return_portal:detail", args=[return_request.public_id])
    return client.get(url).content.decode()


# --- the rules, as pure functions -------------------------------------------------------


def rules_office(**values):
    defaults = {"auto_approve_defects": True, "auto_approve_below": None, "approval_sla_hours": 48}
    return BackOfficeSettings(**{**defaults, **values})


def test_a_defect_is_approved_at_once_only_while_the_setting_says_so():
    defect = Request(defect=True, goods_value=Decimal("500"), policy_approval_days=2)

    assert approval.automatic_rule(defect, rules_office()) == Rule.DEFECT
    assert approval.automatic_rule(defect, rules_office(auto_approve_defects=False)) is None


def test_a_value_strictly_below_the_threshold_is_approved_at_once():
    def rule(value, threshold):
        request = Request(defect=False, goods_value=Decimal(value), policy_approval_days=2)
        return approval.automatic_rule(request, rules_office(auto_approve_below=threshold))

    assert rule("49.90", Decimal("50")) == Rule.BELOW_THRESHOLD
    assert rule("50.00", Decimal("50")) is None
    assert rule("1.00", None) is None  # no threshold: staff decide


def test_a_policy_that_promises_approval_at_once_approves_at_once():
    request = Request(defect=False, goods_value=Decimal("900"), policy_approval_days=0)

    assert approval.automatic_rule(request, rules_office()) == Rule.POLICY


def test_the_deadline_is_the_sla_or_the_policys_promise_whichever_comes_first():
    friday = datetime(2026, 3, 6, 10, 0, tzinfo=PARIS)
    # Two business days after Friday: Tuesday 10 March, to its end in Paris.
    promised = datetime(2026, 3, 10, 23, 59, 59, 999999, tzinfo=PARIS)

    assert approval.due_by(friday, "FR", 2, rules_office()) == friday + timedelta(hours=48)
    assert approval.due_by(friday, "FR", 2, rules_office(approval_sla_hours=720)) == promised


# --- at the request ---------------------------------------------------------------------


def test_a_request_no_rule_approves_waits_with_its_deadline_and_no_label(
    order, buyer, client, django_capture_on_commit_callbacks
):
    office(approval_sla_hours=24)
    at = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        requested = confirm(buyer, order, at=at)

    assert requested.status == S.REQUESTED
    assert requested.approved_by_rule == ""
    assert requested.approval_due_by == approval.due_by(at, "FR", 2, BackOfficeSettings.load())
    assert requested.approval_due_by <= at + timedelta(hours=24)
    assert requested.ship_by is None
    # The buyer's page and email say it waits for the seller, and until when.
    client.force_login(buyer)
    html = detail(client, requested)
    assert "waiting for the seller&#x27;s decision" in html
    due = timezone.localtime(requested.approval_due_by, PARIS)
    assert str(due.year) in html and "Send the parcel" not in html
    assert client.get(reverse("return_portal:qr", args=[requested.public_id])).status_code == 404
    [email] = [m for m in mail.outbox if requested.rma in m.subject]
    assert "waiting for the seller's decision" in email.body
    assert "Do not send anything yet" in email.body


def test_a_defect_claim_is_approved_at_once_by_its_rule(order, buyer):
    office(auto_approve_defects=True)

    approved = confirm(buyer, order, reason="arrived-damaged")

    assert approved.status == S.APPROVED
    assert approved.approved_by_rule == Rule.DEFECT
    assert approved.approval_due_by is None
    assert approved.events.get(to_status=S.APPROVED).actor_kind == "system"


def test_the_threshold_reads_the_goods_returned_in_the_orders_currency(order, buyer):
    office(auto_approve_below=Decimal("60"))

    one = confirm(buyer, order, units=1)  # 49.90
    two = confirm(buyer, order, units=1)  # the second unit: 49.90 again

    assert (one.status, one.approved_by_rule) == (S.APPROVED, Rule.BELOW_THRESHOLD)
    assert two.status == S.APPROVED
    office(auto_approve_below=Decimal("49.90"))
    other = OrderFactory(buyer=buyer, placed_at=ago(8))
    OrderLineFactory(order=other, reference="A", unit_price=Decimal("49.90"), quantity=1)
    assert confirm(buyer, other).status == S.REQUESTED  # not below: equal


def test_approval_offers_the_qr_code_at_once_and_the_email_says_it_is_ready(
    order, buyer, client, django_capture_on_commit_callbacks
):
    requested = confirm(buyer, order)
    staff = returns_staff_user()
    client.force_login(buyer)
    qr_url = reverse("return_portal:qr", args=[requested.public_id])
    assert client.get(qr_url).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.approve(requested, actor=staff, actor_kind="staff")

    requested.refresh_from_db()
    assert requested.approved_by_rule == ""
    # The pinned policy's 14 days to ship back, from the approval.
    assert requested.ship_by.date() >= (timezone.now() + timedelta(days=14)).date()
    assert client.get(qr_url).status_code == 200
    assert "Show this at the drop-off point" in detail(client, requested)
    [email] = [m for m in mail.outbox if "approved" in m.subject]
    assert "Your QR code is ready" in email.body


def test_a_prepaid_label_is_served_only_once_approved(order, buyer, client):
    requested = confirm(buyer, order, shipping="prepaid_label")
    client.force_login(buyer)
    label_url = reverse("return_portal:label", args=[requested.public_id])

    assert client.get(label_url).status_code == 404
    assert "Download the label" not in detail(client, requested)
    lifecycle.approve(requested, actor=returns_staff_user(), actor_kind="staff")
    assert client.get(label_url).status_code == 200
    assert "Download the label" in detail(client, requested)


def test_the_polled_timeline_asks_for_a_reload_once_the_status_changed(order, buyer, client):
    requested = confirm(buyer, order)
    client.force_login(buyer)
    url = reverse("return_portal:status", args=[requested.public_id])

    same = client.get(url, {"shown": "requested"}, HTTP_HX_REQUEST="true")
    lifecycle.approve(requested, actor=returns_staff_user(), actor_kind="staff")
    changed = client.get(url, {"shown": "requested"}, HTTP_HX_REQUEST="true")

    assert "HX-Refresh" not in same
    assert changed["HX-Refresh"] == "true"


# --- rejection reasons ------------------------------------------------------------------


def test_the_rejection_reasons_are_seeded_in_each_language_once(policies):
    seed_rejection_reasons()
    count = RejectionReason.objects.count()
    seed_rejection_reasons()

    assert RejectionReason.objects.count() == count
    assert reason_label("outside-return-window", "fr") == (
        "Le délai de retour de cet article est dépassé"
    )
    assert reason_label("outside-return-window", "de") == (
        "Die Rückgabefrist für diesen Artikel ist abgelaufen"
    )
    english = RejectionReason.objects.get(code="other", locale__language_code="en")
    french = RejectionReason.objects.get(code="other", locale__language_code="fr")
    assert english.translation_key == french.translation_key


def test_a_rejection_stores_its_reason_and_the_buyer_reads_it_in_their_language(
    order, buyer, client, django_capture_on_commit_callbacks
):
    buyer.preferred_language = "de"
    buyer.save()
    requested = confirm(buyer, order)
    staff = returns_staff_user()

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.reject(
            requested, actor=staff, code="conditions-not-met", note="Die Etiketten fehlen."
        )

    requested.refresh_from_db()
    assert (requested.status, requested.rejection_code) == (S.REJECTED, "conditions-not-met")
    assert requested.rejection_note == "Die Etiketten fehlen."
    [email] = [m for m in mail.outbox if "Die Etiketten fehlen." in m.body]
    assert "Der Artikel erfüllt die Rückgabebedingungen nicht" in email.body
    client.force_login(buyer)
    french = detail(client, requested, "fr")
    assert "L&#x27;article ne remplit pas les conditions de retour" in french
    assert "Die Etiketten fehlen." in french


def test_a_missing_translation_falls_back_to_the_default_language(order, buyer):
    RejectionReason.objects.filter(code="already-refunded", locale__language_code="de").delete()

    assert reason_label("already-refunded", "de") == "This item has already been refunded"
    assert reason_label("gone-for-good", "de") == "gone-for-good"


def test_staff_are_offered_every_reason_when_their_language_is_partly_translated(order):
    english = {r.code: r.label for r in active_reasons("en")}
    assert len(english) > 2
    kept = sorted(english)[:2]
    RejectionReason.objects.filter(locale__language_code="fr").exclude(code__in=kept).delete()

    offered = active_reasons("fr")

    assert sorted(r.code for r in offered) == sorted(english)
    for reason in offered:
        expected = "fr" if reason.code in kept else "en"
        assert reason.locale.language_code == expected
    assert [r.code for r in offered].count(kept[0]) == 1


@pytest.mark.parametrize(
    ("code", "note", "message"),
    [
        ("other", "  ", "Say why the return is rejected."),
        ("not-a-reason", "Because.", "Choose one of the reasons offered."),
        ("item-not-eligible", "x" * 2001, "Keep the explanation under 2000 characters."),
    ],
)
def test_a_rejection_without_a_valid_reason_changes_nothing(order, buyer, code, note, message):
    requested = confirm(buyer, order)

    with pytest.raises(ValueError, match=message):
        lifecycle.reject(requested, actor=returns_staff_user(), code=code, note=note)

    requested.refresh_from_db()
    assert requested.status == S.REQUESTED
    assert not OutboxMessage.objects.filter(return_request=requested, kind="rejected").exists()


def test_an_inactive_reason_is_neither_offered_nor_accepted(order, buyer):
    from return_portal.admin.forms import RejectForm

    RejectionReason.objects.filter(code="already-refunded").update(active=False)
    requested = confirm(buyer, order)

    codes = [code for code, _label in RejectForm().fields["code"].choices]
    assert "already-refunded" not in codes and "other" in codes
    with pytest.raises(ValueError):
        lifecycle.reject(requested, actor=returns_staff_user(), code="already-refunded")


def test_staff_reject_in_the_admin_with_a_reason_and_their_words(client, order, buyer):
    requested = confirm(buyer, order)
    staff = returns_staff_user(with_totp=True)
    client.force_login(staff)
    url = reverse("returns:inspect", args=[requested.pk])

    form = client.get(url).content.decode()
    missing = client.post(url, {"action": "reject", "reject-code": "other", "reject-note": ""})
    done = client.post(
        url, {"action": "reject", "reject-code": "no-proof-of-defect", "reject-note": ""}
    )

    assert 'name="reject-code"' in form and "The defect could not be confirmed" in form
    assert missing.status_code == 422
    assert "Say why the return is rejected." in missing.content.decode()
    assert done.status_code == 302
    requested.refresh_from_db()
    assert (requested.status, requested.rejection_code) == (S.REJECTED, "no-proof-of-defect")
    page = client.get(url).content.decode()
    assert "Rejection reason" in page and "The defect could not be confirmed" in page


# --- the approval SLA -------------------------------------------------------------------


@pytest.fixture
def late(order, buyer):
    """A request made three days ago: its decision was due within two."""
    return confirm(buyer, order, at=ago(3))


def test_the_queue_flags_a_request_past_its_decision_deadline(late, order, buyer):
    fresh = confirm(buyer, order)
    flagged = support.with_deadlines(type(late).objects.all())

    by_pk = {r.pk: r.approval_overdue for r in flagged}
    assert by_pk == {late.pk: True, fresh.pk: False}
    assert list(support.overdue(flagged, support.OVERDUE_APPROVAL)) == [late]
    assert late in support.overdue(flagged, support.OVERDUE_ANY)
    lifecycle.approve(late, actor=returns_staff_user(), actor_kind="staff")
    assert not support.with_deadlines(type(late).objects.filter(pk=late.pk)).get().approval_overdue


def test_the_sweep_tells_the_sellers_staff_once(late, django_capture_on_commit_callbacks):
    office(sellers_approve=True)
    seller_staff = returns_staff_user(operator=False, sellers=[late.seller])
    returns_staff_user(operator=False, sellers=[SellerFactory(reference="someone-else")])

    with django_capture_on_commit_callbacks(execute=True):
        first = approval.flag_overdue_approvals(timezone.now())
    again = approval.flag_overdue_approvals(timezone.now())

    assert (first, again) == (1, 0)
    event = late.events.get(code=approval.APPROVAL_OVERDUE)
    assert event.actor_kind == "system" and event.to_status == S.REQUESTED
    [email] = [m for m in mail.outbox if m.subject.startswith("Decision overdue")]
    assert email.to == [seller_staff.email]
    assert "still waiting for a decision" in email.body
    assert reverse("returns:inspect", args=[late.pk]) in email.body
    # Internal: the buyer's timeline does not show it.
    assert approval.APPROVAL_OVERDUE in INTERNAL_EVENTS


def test_the_sweep_tells_the_operator_when_sellers_do_not_approve(late):
    office(sellers_approve=False)
    returns_staff_user(operator=False, sellers=[late.seller])
    operator = returns_staff_user()
    UserFactory()  # a buyer is never told

    approval.flag_overdue_approvals(timezone.now())

    messages = OutboxMessage.objects.filter(kind=approval.APPROVAL_OVERDUE)
    assert [m.recipient for m in messages] == [operator.email]


def test_the_sweep_leaves_decided_and_not_yet_due_requests_alone(order, buyer, late):
    lifecycle.approve(late, actor=returns_staff_user(), actor_kind="staff")
    confirm(buyer, order)  # due in the future

    assert approval.flag_overdue_approvals(timezone.now()) == 0
    assert not OutboxMessage.objects.filter(kind=approval.APPROVAL_OVERDUE).exists()


def test_the_beat_sweep_runs_the_approval_sweep(late):
    from return_portal.tasks import sweep_returns

    StaffUserFactory()  # staff without the permission are not told
    seed_staff_permissions()
    member = StaffUserFactory()
    member.groups.add(Group.objects.get(name="Returns staff"))

    result = sweep_returns()

    assert result["approvals_overdue"] == 1
    assert OutboxMessage.objects.filter(
        kind=approval.APPROVAL_OVERDUE, recipient=member.email
    ).exists()
