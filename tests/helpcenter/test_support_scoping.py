"""Support requests are the operator's: seller staff see and answer only those
about an order of the requesting buyer with a line of their seller
(helpcenter.support_scope). Everything else answers 404, in the inbox, its
export, the attachments, the site history and the desk's actions."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.urls import NoReverseMatch, reverse
from wagtail.log_actions import log

from helpcenter import desk
from helpcenter.models import SupportAttachment, SupportRequest
from helpcenter.support_scope import assignable_staff, visible_requests
from marketplace.models import SellerMembership
from tests.factories import StaffUserFactory, UserFactory
from tests.marketplace.factories import OrderFactory, OrderLineFactory, SellerFactory

pytestmark = pytest.mark.django_db

INBOX = "/admin/snippets/helpcenter/supportrequest/"
INBOX_PERMISSIONS = ["view_supportrequest", "change_supportrequest"]


def _staff(*sellers, operator=False):
    user = StaffUserFactory(with_totp=True)
    codenames = INBOX_PERMISSIONS + (["operate_marketplace"] if operator else [])
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    for seller in sellers:
        SellerMembership.objects.create(user=user, seller=seller)
    return type(user).objects.get(pk=user.pk)  # permissions read afresh


def _request(user, order_reference="", **fields):
    return SupportRequest.objects.create(
        user=user,
        email=getattr(user, "email", None) or "guest@example.com",
        language="en",
        topic="refund",
        order_reference=order_reference,
        message=fields.pop("message", "Where is my refund?"),
        **fields,
    )


@pytest.fixture
def world(site_tree, buyer, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    seller_a = SellerFactory(reference="help-seller-a")
    seller_b = SellerFactory(reference="help-seller-b")
    order_a = OrderFactory(buyer=buyer, reference="HELP-A-1")
    OrderLineFactory(order=order_a, seller=seller_a)
    order_b = OrderFactory(buyer=buyer, reference="HELP-B-1")
    OrderLineFactory(order=order_b, seller=seller_b)
    about_a = _request(buyer, "HELP-A-1", message="About seller A's parcel")
    attachment = SupportAttachment(request=about_a, original_name="a.png", content_type="image/png")
    attachment.size = 3
    attachment.file.save("a.png", ContentFile(b"png"), save=True)
    return {
        "seller_a": seller_a,
        "seller_b": seller_b,
        "about_a": about_a,
        "about_b": _request(buyer, "HELP-B-1", message="About seller B's parcel"),
        # Someone else typing seller A's order reference: not linked to it.
        "typed": _request(UserFactory(), "HELP-A-1", message="Typed someone's reference"),
        "guest": _request(None, "HELP-A-1", message="A guest names the order"),
        "general": _request(buyer, "", message="A general question"),
        "attachment": attachment,
        "staff_a": _staff(seller_a),
        "staff_b": _staff(seller_b),
        "operator": _staff(operator=True),
    }


def test_each_sees_what_is_theirs(world):
    assert set(visible_requests(world["staff_a"])) == {world["about_a"]}
    assert set(visible_requests(world["staff_b"])) == {world["about_b"]}
    assert visible_requests(world["operator"]).count() == SupportRequest.objects.count()
    # Staff of no seller and not the operator's: nothing (default deny).
    assert not visible_requests(_staff()).exists()


def test_the_inbox_lists_and_exports_only_ones_own(client, world):
    client.force_login(world["staff_b"])
    listing = client.get(INBOX).content.decode()
    assert world["about_b"].reference in listing
    for other in ("about_a", "typed", "guest", "general"):
        assert world[other].reference not in listing
    for export in ("csv", "xlsx"):
        response = client.get(INBOX, {"export": export})
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert world["about_a"].reference.encode() not in body


def test_every_view_of_another_sellers_request_answers_404(client, world):
    client.force_login(world["staff_b"])
    pk = world["about_a"].pk
    for view in ("edit", "inspect", "history", "history_results", "delete", "usage", "copy"):
        url = reverse(f"wagtailsnippets_helpcenter_supportrequest:{view}", args=[pk])
        assert client.get(url).status_code == 404, view
        assert client.post(url, {"status": "solved", "reply": "x"}).status_code == 404, view
    assert not world["about_a"].replies.exists()
    # Their own request opens.
    own = reverse("wagtailsnippets_helpcenter_supportrequest:edit", args=[world["about_b"].pk])
    assert client.get(own).status_code == 200


def test_there_is_no_chooser_listing_every_request(world):
    with pytest.raises(NoReverseMatch):
        reverse("wagtailsnippetchoosers_helpcenter_supportrequest:choose")


def test_attachments_of_another_sellers_request_answer_404(client, world):
    url = f"/support/attachments/{world['attachment'].pk}/"
    client.force_login(world["staff_b"])
    assert client.get(url).status_code == 404
    client.force_login(world["staff_a"])
    assert client.get(url).status_code == 200


def test_the_desk_refuses_seller_staff_on_another_sellers_request(world):
    with pytest.raises(PermissionDenied):
        desk.add_reply(world["about_a"], world["staff_b"], "Hello")
    with pytest.raises(PermissionDenied):
        desk.change_status(world["about_a"], world["staff_b"], "solved")
    with pytest.raises(PermissionDenied):
        desk.assign(world["about_a"], world["staff_b"], world["staff_b"])
    reply = desk.add_reply(world["about_a"], world["staff_a"], "We are on it.")
    assert reply.request_id == world["about_a"].pk


def test_a_request_is_assigned_only_to_staff_who_may_see_it(world):
    with pytest.raises(ValidationError):
        desk.assign(world["about_a"], world["operator"], world["staff_b"])
    assert desk.assign(world["about_a"], world["operator"], world["staff_a"])
    # Seller staff are offered their own seller's staff only.
    offered = set(assignable_staff(world["staff_a"]))
    assert world["staff_a"] in offered and world["staff_b"] not in offered
    assert world["staff_b"] in set(assignable_staff(world["operator"]))


def test_the_edit_form_offers_no_other_sellers_staff(client, world):
    client.force_login(world["staff_a"])
    url = reverse("wagtailsnippets_helpcenter_supportrequest:edit", args=[world["about_a"].pk])
    html = client.get(url).content.decode()
    assert f'<option value="{world["staff_a"].pk}"' in html
    assert f'<option value="{world["staff_b"].pk}"' not in html
    listing = client.get(INBOX).content.decode()  # the assignee filter's choices
    assert f'<option value="{world["staff_b"].pk}"' not in listing


def test_the_site_history_lists_only_ones_own_requests(client, world):
    for key in ("about_a", "about_b"):
        log(instance=world[key], action="helpcenter.support.create", user=None)
    client.force_login(world["staff_b"])
    html = client.get(reverse("wagtailadmin_reports:site_history")).content.decode()
    assert world["about_a"].reference not in html
    client.force_login(world["operator"])
    html = client.get(reverse("wagtailadmin_reports:site_history")).content.decode()
    assert world["about_a"].reference in html and world["about_b"].reference in html


def test_help_reports_are_the_operators_even_with_the_permission(client, world):
    """Buyers' searches and feedback belong to no seller."""
    staff = world["staff_a"]
    staff.user_permissions.add(Permission.objects.get(codename="view_help_reports"))
    client.force_login(type(staff).objects.get(pk=staff.pk))
    assert client.get("/admin/reports/help/top-searches/").status_code in (302, 403)
    operator = world["operator"]
    operator.user_permissions.add(Permission.objects.get(codename="view_help_reports"))
    client.force_login(type(operator).objects.get(pk=operator.pk))
    assert client.get("/admin/reports/help/top-searches/").status_code == 200
