"""The returns area of the Wagtail admin: the listing with its deadline flags,
filters and search, the page of a return, each action staff take on it, replies,
private photos, permissions and the audit log."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from wagtail.log_actions import registry as log_registry
from wagtail.models import ModelLogEntry

from core.models import OutboxMessage
from marketplace.models import SellerMembership
from return_portal import lifecycle, receiving, support
from return_portal.confirm import confirm_return
from return_portal.draft import Draft
from return_portal.models import (
    BackOfficeSettings,
    Refund,
    ReturnKind,
    ReturnMessage,
    ReturnPhoto,
    ReturnRequest,
    ReturnStatus,
    UnitInspection,
)
from return_portal.seeding import WEBHOOK_PERMISSIONS, seed_staff_permissions
from tests.factories import StaffUserFactory
from tests.marketplace.factories import OrderFactory, OrderLineFactory
from tests.return_portal.factories import ReturnLineFactory, ReturnRequestFactory
from tests.return_portal.inspecting import inspect_every_unit, receipt_post, unit_post

S = ReturnStatus
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }


@pytest.fixture
def groups(policies):
    seed_staff_permissions()
    return {group.name: group for group in Group.objects.all()}


def member(group):
    user = StaffUserFactory(with_totp=True)
    user.groups.add(group)
    return user


@pytest.fixture
def returns_staff(groups):
    return member(groups["Returns staff"])


@pytest.fixture
def staff_client(client, returns_staff):
    client.force_login(returns_staff)
    return client


@pytest.fixture
def order(policies, reasons, buyer):  # rejection reasons too (seed_reasons)
    order = OrderFactory(
        buyer=buyer,
        reference="ORD-77001",
        placed_at=timezone.now() - timedelta(days=6),
        payment_amount=Decimal("104.70"),
    )
    OrderLineFactory(
        order=order, reference="A", title="Oxford shirt", unit_price=Decimal("49.90"), quantity=2
    )
    return order


@pytest.fixture
def confirmed(order, buyer, reasons):
    """A return made as the buyer makes it, with its estimate: approved at once, as
    the marketplace approves returns below €100 without a decision."""
    settings = BackOfficeSettings.load()
    settings.auto_approve_below = Decimal("100")
    settings.save()
    draft = Draft(
        order_id=order.pk,
        quantities={"A": 2},
        reason_code="too-small",
        condition="like_new",
        comment="The collar is too tight.",
        resolution="refund",
        shipping_method="drop_off",
    )
    return_request, _created = confirm_return(buyer, order, draft)
    return return_request


def index_url():
    return reverse("returns:index")


def detail_url(return_request):
    return reverse("returns:inspect", args=[return_request.pk])


def act(client, return_request, action, **data):
    return client.post(detail_url(return_request), {"action": action, **data})


def bare_return(order, status, **fields):
    return_request = ReturnRequestFactory(
        order=order, status=status, estimated_total=Decimal("49.90"), **fields
    )
    ReturnLineFactory(
        return_request=return_request, order_line=order.lines.get(reference="A"), quantity=1
    )
    return return_request


# --- who gets in ------------------------------------------------------------------------


def test_the_groups_get_their_permissions_once(groups):
    before = set(groups["Returns staff"].permissions.values_list("pk", flat=True))
    again = seed_staff_permissions()

    # "Returns staff" are the operator's (every seller); seller staff act on their
    # sellers' returns, in the steps the back-office settings give sellers.
    # Both keep their webhook endpoints and read the delivery log (webhooks/).
    hooks = sorted(WEBHOOK_PERMISSIONS)
    assert again == {
        "Returns staff": sorted(
            ["change_returnrequest", "operate_marketplace", "view_returnrequest", *hooks]
        ),
        "Seller staff": sorted(["change_returnrequest", "view_returnrequest", *hooks]),
    }
    assert groups["Returns staff"].permissions.filter(codename="access_admin").exists()
    assert set(groups["Returns staff"].permissions.values_list("pk", flat=True)) == before


def test_the_demo_seed_grants_the_staff_permissions():
    from core.management.commands.seed_demo import SEEDERS

    assert "return_portal.seeding.seed_staff_permissions" in SEEDERS
    assert SEEDERS.index("return_portal.seeding.seed_staff_permissions") > SEEDERS.index(
        "accounts.demo.seed_users"
    )


def test_staff_without_the_permission_are_refused(client, confirmed):
    client.force_login(StaffUserFactory(with_totp=True))
    assert client.get(index_url()).status_code in (302, 403)
    # Outside every seller's scope too: the return answers as if it did not exist.
    assert client.get(detail_url(confirmed)).status_code in (302, 403, 404)


def test_a_buyer_is_sent_to_sign_in(client, buyer, confirmed):
    client.force_login(buyer)
    response = client.get(detail_url(confirmed))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_staff_without_an_authenticator_must_enrol_first(client, groups):
    user = StaffUserFactory(with_totp=False)
    user.groups.add(groups["Returns staff"])
    client.force_login(user)
    response = client.get(index_url())
    assert response.status_code == 302
    assert reverse("mfa_activate_totp") in response["Location"]


def test_the_admin_menu_offers_returns(staff_client):
    response = staff_client.get(reverse("wagtailadmin_home"))
    assert index_url() in response.content.decode()


def test_there_is_no_form_to_add_edit_or_delete_a_return(staff_client, confirmed):
    for name, args in (("add", []), ("edit", [confirmed.pk]), ("delete", [confirmed.pk])):
        with pytest.raises(NoReverseMatch):
            reverse(f"returns:{name}", args=args)
    assert staff_client.get(f"{index_url()}new/").status_code == 404
    assert staff_client.get(f"{index_url()}edit/{confirmed.pk}/").status_code == 404


# --- the listing ------------------------------------------------------------------------


def test_the_listing_shows_each_return_with_its_order_buyer_and_deadlines(
    staff_client, confirmed, buyer, django_assert_max_num_queries
):
    with django_assert_max_num_queries(25):
        response = staff_client.get(index_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert confirmed.rma in html
    assert detail_url(confirmed) in html
    assert "ORD-77001" in html
    assert buyer.email in html
    assert "approved" in html.lower()
    assert "Overdue" not in html


def test_the_listing_reads_a_page_of_returns_in_a_fixed_number_of_queries(
    staff_client, order, django_assert_max_num_queries
):
    for _ in range(30):
        bare_return(order, S.APPROVED)
    with django_assert_max_num_queries(25):
        response = staff_client.get(index_url())
    assert response.content.decode().count("RMA-") >= 30


def test_overdue_deadlines_are_flagged(staff_client, order, buyer):
    past = timezone.now() - timedelta(days=1)
    late_parcel = bare_return(order, S.APPROVED, ship_by=past)
    late_refund = bare_return(order, S.RECEIVED, refund_due_by=past)

    html = staff_client.get(index_url()).content.decode()
    assert html.count("Overdue") == 2

    flags = {
        r.pk: (r.ship_overdue, r.refund_overdue)
        for r in support.with_deadlines(ReturnRequest.objects.all())
    }
    assert flags == {late_parcel.pk: (True, False), late_refund.pk: (False, True)}


def test_a_refund_is_not_overdue_once_paid_or_when_nothing_is_owed(order):
    past = timezone.now() - timedelta(days=1)
    paid = bare_return(order, S.RESOLVED, refund_due_by=past)
    Refund.objects.create(
        order=paid.order,
        return_request=paid,
        amount=Decimal("49.90"),
        currency="EUR",
        resolution="refund",
        idempotency_key="refund:paid",
        status="succeeded",
    )
    pending = bare_return(order, S.RESOLVED, refund_due_by=past)
    Refund.objects.create(
        order=pending.order,
        return_request=pending,
        amount=Decimal("49.90"),
        currency="EUR",
        resolution="refund",
        idempotency_key="refund:pending",
    )
    cancelled = bare_return(order, S.CANCELLED, refund_due_by=past)
    exchange = bare_return(order, S.INSPECTED, refund_due_by=past, resolution="exchange")
    settled_at_zero = bare_return(order, S.CLOSED, refund_due_by=past)
    not_yet = bare_return(order, S.RECEIVED, refund_due_by=timezone.now() + timedelta(days=1))

    overdue = set(
        support.overdue(support.with_deadlines(ReturnRequest.objects.all()), "refund").values_list(
            "pk", flat=True
        )
    )
    assert overdue == {pending.pk}
    assert {paid.pk, cancelled.pk, exchange.pk, settled_at_zero.pk, not_yet.pk}.isdisjoint(overdue)


def test_filters_by_status_kind_and_deadline(staff_client, order):
    past = timezone.now() - timedelta(days=1)
    approved = bare_return(order, S.APPROVED)
    late = bare_return(order, S.APPROVED, ship_by=past)
    withdrawal = bare_return(order, S.RECEIVED, kind=ReturnKind.WITHDRAWAL)

    def listed(**params):
        html = staff_client.get(index_url(), params).content.decode()
        return {r.rma for r in (approved, late, withdrawal) if r.rma in html}

    assert listed(status="received") == {withdrawal.rma}
    assert listed(kind="withdrawal") == {withdrawal.rma}
    assert listed(kind="return") == {approved.rma, late.rma}
    assert listed(overdue="shipping") == {late.rma}
    assert listed(overdue="any") == {late.rma}
    assert staff_client.get(index_url(), {"status": "nonsense"}).status_code == 200


def test_search_finds_a_return_by_rma_or_order_reference(staff_client, order, policies, buyer):
    mine = bare_return(order, S.APPROVED)
    other_order = OrderFactory(buyer=buyer, reference="ORD-99999")
    OrderLineFactory(order=other_order, reference="A")
    other = bare_return(other_order, S.APPROVED)

    by_rma = staff_client.get(index_url(), {"q": mine.rma.lower()}).content.decode()
    assert mine.rma in by_rma and other.rma not in by_rma
    by_order = staff_client.get(index_url(), {"q": "99999"}).content.decode()
    assert other.rma in by_order and mine.rma not in by_order


# --- the page of a return ---------------------------------------------------------------


def test_the_page_shows_everything_about_the_return(
    staff_client, confirmed, buyer, django_assert_max_num_queries
):
    photo = ReturnPhoto(
        buyer=buyer,
        draft=confirmed.idempotency_key,
        return_request=confirmed,
        original_name="collar.png",
        content_type="image/png",
        size=len(PNG),
    )
    photo.file.save("collar.png", ContentFile(PNG), save=True)
    ReturnMessage.objects.create(return_request=confirmed, author=buyer, body="Is it received?")

    with django_assert_max_num_queries(40):
        response = staff_client.get(detail_url(confirmed))

    assert response.status_code == 200
    html = response.content.decode()
    for expected in (
        confirmed.rma,
        "ORD-77001",
        buyer.email,
        "Oxford shirt",
        "Too small",
        "The collar is too tight.",
        "Items returned",  # the estimate, figure by figure
        "Is it received?",  # the thread
        confirmed.notifications.first().subject,  # the outbox rows
        reverse("returns:photo", args=[photo.public_id]),
        'name="action" value="reply"',
        "csrfmiddlewaretoken",
    ):
        assert expected in html, expected
    # The buttons are those the lifecycle allows from "approved".
    for offered in ("in-transit", "receive"):
        assert f'value="{offered}"' in html
    for refused in ("approve", "resolve", "close"):
        assert f'value="{refused}"' not in html


def test_an_unknown_return_is_a_404(staff_client, policies):
    assert staff_client.get(reverse("returns:inspect", args=[999999])).status_code == 404


def test_view_only_staff_read_but_cannot_act(client, groups, confirmed):
    view_only, _created = Group.objects.get_or_create(name="Returns readers")
    view_only.permissions.set(
        groups["Seller staff"].permissions.exclude(codename="change_returnrequest")
    )
    seller_staff = member(view_only)
    SellerMembership.objects.create(user=seller_staff, seller=confirmed.seller)
    client.force_login(seller_staff)

    page = client.get(detail_url(confirmed))
    assert page.status_code == 200
    assert 'name="action"' not in page.content.decode()

    response = act(client, confirmed, "receive")
    # Wagtail answers a permission denied with a redirect to the dashboard and a message.
    assert response.status_code in (302, 403)
    assert response.get("Location") != detail_url(confirmed)
    assert ReturnRequest.objects.get(pk=confirmed.pk).status == S.APPROVED
    assert not ModelLogEntry.objects.filter(action="return_portal.receive").exists()


def test_every_action_needs_the_csrf_token(returns_staff, confirmed):
    client = Client(enforce_csrf_checks=True)
    client.force_login(returns_staff)
    response = act(client, confirmed, "receive")
    assert response.status_code == 403
    assert ReturnRequest.objects.get(pk=confirmed.pk).status == S.APPROVED


# --- the actions ------------------------------------------------------------------------


def test_approving_a_requested_return(staff_client, order, returns_staff):
    requested = bare_return(order, S.REQUESTED)

    response = act(staff_client, requested, "approve")

    assert response.status_code == 302
    assert response["Location"] == detail_url(requested)
    requested.refresh_from_db()
    assert requested.status == S.APPROVED
    event = requested.events.get()
    assert (event.actor, event.actor_kind) == (returns_staff, "staff")
    assert OutboxMessage.objects.filter(return_request=requested, kind="approved").count() == 1
    entry = ModelLogEntry.objects.get(action="return_portal.approve")
    assert (entry.object_id, entry.user) == (str(requested.pk), returns_staff)
    assert entry.data["from"] == "requested" and entry.data["to"] == "approved"
    followed = staff_client.get(response["Location"]).content.decode()
    assert "Return approved." in followed


def test_a_rejection_needs_its_reason(staff_client, order):
    requested = bare_return(order, S.REQUESTED)

    response = act(staff_client, requested, "reject", **{"reject-note": "Worn and washed."})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Choose the reason for the rejection." in html
    assert 'aria-describedby="' in html
    assert ReturnRequest.objects.get(pk=requested.pk).status == S.REQUESTED

    act(
        staff_client,
        requested,
        "reject",
        **{"reject-code": "conditions-not-met", "reject-note": "Worn and washed."},
    )
    requested.refresh_from_db()
    assert requested.status == S.REJECTED
    assert requested.events.get().note == "Worn and washed."
    body = OutboxMessage.objects.get(return_request=requested).body
    assert "Worn and washed." in body
    assert "The item does not meet the return conditions" in body
    entry = ModelLogEntry.objects.get(action="return_portal.reject")
    assert entry.data["note"] == "conditions-not-met: Worn and washed."


def test_marking_in_transit_keeps_the_tracking_number(staff_client, confirmed):
    act(staff_client, confirmed, "in-transit", **{"in-transit-tracking": "1Z999AA10123456784"})
    confirmed.refresh_from_db()
    assert confirmed.status == S.IN_TRANSIT
    assert confirmed.carrier_tracking == "1Z999AA10123456784"
    assert ModelLogEntry.objects.filter(action="return_portal.in_transit").exists()


def test_receiving_inspecting_resolving_and_closing(
    staff_client, confirmed, django_capture_on_commit_callbacks
):
    line = confirmed.lines.get()
    page = staff_client.get(detail_url(confirmed)).content.decode()
    assert f'name="receive-{line.pk}-received"' in page and "<fieldset" in page

    act(staff_client, confirmed, "receive", **receipt_post(line, received=2))
    confirmed.refresh_from_db()
    assert confirmed.status == S.RECEIVED
    page = staff_client.get(detail_url(confirmed)).content.decode()
    assert f'name="inspect-{line.pk}-1-outcome"' in page
    assert f'name="inspect-{line.pk}-2-visual"' in page
    assert 'enctype="multipart/form-data"' in page

    act(
        staff_client,
        confirmed,
        "inspect",
        **unit_post(line, 1),
        **unit_post(
            line,
            2,
            "partial_refund",
            failed={"visual": "Stain on the collar"},
            deduction="5.00",
            deduction_reason="Stain",
        ),
    )
    confirmed.refresh_from_db()
    assert confirmed.status == S.INSPECTED
    units = {unit.unit: unit for unit in UnitInspection.objects.filter(return_line=line)}
    assert (units[1].outcome, units[2].outcome, units[2].deduction) == (
        "full_refund",
        "partial_refund",
        Decimal("5.00"),
    )
    assert units[2].checks["visual"] == {"passed": False, "note": "Stain on the collar"}
    page = staff_client.get(detail_url(confirmed)).content.decode()
    assert "Stain on the collar" in page and 'value="resolve"' in page

    with django_capture_on_commit_callbacks(execute=True):
        act(staff_client, confirmed, "resolve")
    confirmed.refresh_from_db()
    assert confirmed.status == S.RESOLVED
    assert confirmed.refunds.exists()

    act(staff_client, confirmed, "close")
    confirmed.refresh_from_db()
    assert confirmed.status == S.CLOSED
    page = staff_client.get(detail_url(confirmed)).content.decode()
    assert "nothing more can be done" in page


def test_a_transition_the_status_no_longer_allows_is_an_error_message_not_a_500(
    staff_client, confirmed
):
    line = confirmed.lines.get()
    lifecycle.cancel(confirmed, actor=confirmed.buyer)  # the buyer cancelled meanwhile

    response = act(staff_client, confirmed, "receive", **receipt_post(line, received=2))

    assert response.status_code == 409  # the page again, as the return is now
    assert "A return that is cancelled cannot become received." in response.content.decode()
    assert not ModelLogEntry.objects.filter(action="return_portal.receive").exists()


def test_an_unknown_action_is_an_error_message(staff_client, confirmed):
    response = act(staff_client, confirmed, "refund-everything")
    assert response.status_code == 302
    assert (
        "Choose one of the actions offered."
        in staff_client.get(detail_url(confirmed)).content.decode()
    )


def test_an_action_failing_inside_its_action_leaves_no_log_entry(
    staff_client, returns_staff, confirmed
):
    receiving.receive_all(confirmed, actor=returns_staff)
    line = confirmed.lines.get()
    ReturnRequest.objects.filter(pk=confirmed.pk).update(status=S.INSPECTED)

    response = act(staff_client, confirmed, "inspect", **unit_post(line, 1))

    assert response.status_code in (409, 422)
    assert not ModelLogEntry.objects.filter(action="return_portal.inspect").exists()
    assert not UnitInspection.objects.exists()


# --- replies ----------------------------------------------------------------------------


def test_a_reply_is_posted_and_emailed_to_the_buyer(
    staff_client, confirmed, returns_staff, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = act(
            staff_client, confirmed, "reply", **{"reply-body": "We received it.", "reply-key": "k1"}
        )

    assert response.status_code == 302
    message = ReturnMessage.objects.get(return_request=confirmed)
    assert (message.from_staff, message.author, message.body) == (
        True,
        returns_staff,
        "We received it.",
    )
    note = OutboxMessage.objects.get(return_request=confirmed, kind="message")
    assert note.sent_at is not None
    assert mailoutbox[-1].to == [confirmed.buyer.email]
    assert "We received it." in mailoutbox[-1].body
    assert ModelLogEntry.objects.filter(action="return_portal.reply").exists()

    act(staff_client, confirmed, "reply", **{"reply-body": "We received it.", "reply-key": "k1"})
    assert ReturnMessage.objects.filter(return_request=confirmed).count() == 1


def test_an_empty_reply_is_refused_inline(staff_client, confirmed):
    response = act(staff_client, confirmed, "reply", **{"reply-body": "   "})
    assert response.status_code == 422
    assert "Write the reply before sending it." in response.content.decode()
    assert not ReturnMessage.objects.exists()


def test_a_reply_and_its_email_are_one_transaction(confirmed, returns_staff, monkeypatch):
    from return_portal import notifications

    def broken(*args, **kwargs):
        raise RuntimeError("template missing")

    monkeypatch.setattr(notifications, "queue", broken)
    with pytest.raises(RuntimeError):
        support.reply(confirmed, returns_staff, "Hello")
    assert not ReturnMessage.objects.exists()


def test_a_reply_key_cannot_be_replayed_on_another_return(confirmed, order, returns_staff):
    other = bare_return(order, S.APPROVED)
    support.reply(confirmed, returns_staff, "First", key="same")
    with pytest.raises(support.ReplyError):
        support.reply(other, returns_staff, "Second", key="same")


# --- photos -----------------------------------------------------------------------------


@pytest.fixture
def photo(confirmed, buyer):
    photo = ReturnPhoto(
        buyer=buyer,
        draft=confirmed.idempotency_key,
        return_request=confirmed,
        original_name="collar.png",
        content_type="image/png",
        size=len(PNG),
    )
    photo.file.save("collar.png", ContentFile(PNG), save=True)
    return photo


def test_staff_who_may_view_returns_see_the_photo(client, groups, photo):
    seller_staff = member(groups["Seller staff"])
    SellerMembership.objects.create(user=seller_staff, seller=photo.return_request.seller)
    client.force_login(seller_staff)
    response = client.get(reverse("returns:photo", args=[photo.public_id]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_photos_are_refused_to_staff_without_the_permission_and_to_buyers(client, photo, buyer):
    url = reverse("returns:photo", args=[photo.public_id])
    client.force_login(StaffUserFactory(with_totp=True))
    refused = client.get(url)
    assert refused.status_code in (302, 403)
    assert refused.get("Content-Type", "").startswith("text/html")
    client.force_login(buyer)
    assert client.get(url).status_code == 302


def test_a_draft_photo_is_not_served_in_the_admin(staff_client, photo):
    ReturnPhoto.objects.filter(pk=photo.pk).update(return_request=None)
    assert staff_client.get(reverse("returns:photo", args=[photo.public_id])).status_code == 404


# --- the audit log ----------------------------------------------------------------------


def test_the_actions_have_labels_in_the_audit_log(staff_client, order):
    for action in ("approve", "reject", "in_transit", "receive", "inspect", "resolve", "close"):
        assert log_registry.action_exists(f"return_portal.{action}")
    assert log_registry.get_action_label("return_portal.approve") == "Return: approve"

    requested = bare_return(order, S.REQUESTED)
    act(
        staff_client,
        requested,
        "reject",
        **{"reject-code": "other", "reject-note": "Out of policy."},
    )
    history = staff_client.get(reverse("returns:history", args=[requested.pk]))
    assert history.status_code == 200
    html = history.content.decode()
    assert "Rejected the return" in html
    assert detail_url(requested) in html
    # The note is the entry's comment (shown where Wagtail shows comments).
    entry = ModelLogEntry.objects.get(action="return_portal.reject")
    assert entry.comment == "other: Out of policy."


def test_the_site_history_report_lists_return_actions(staff_client, order):
    requested = bare_return(order, S.REQUESTED)
    act(staff_client, requested, "approve")
    staff_client.force_login(StaffUserFactory(with_totp=True, is_superuser=True))
    html = staff_client.get(reverse("wagtailadmin_reports:site_history")).content.decode()
    assert "Return: approve" in html or "Approved the return" in html
    assert requested.rma in html


def test_an_inspected_return_resolves_to_what_remains_of_the_payment(
    staff_client, returns_staff, policies, buyer
):
    order = OrderFactory(buyer=buyer, payment_amount=Decimal("30.00"))
    OrderLineFactory(order=order, reference="A", unit_price=Decimal("49.90"))
    return_request = bare_return(order, S.IN_TRANSIT)
    receiving.receive_all(return_request, actor=returns_staff)
    inspect_every_unit(return_request, returns_staff)

    page = staff_client.get(detail_url(return_request)).content.decode()
    assert "30.00" in page or "30,00" in page

    act(staff_client, return_request, "resolve")
    assert Refund.objects.get(return_request=return_request).amount == Decimal("30.00")
