"""The policy versions audit (and its exports) for seller staff: the
marketplace-wide versions and their own sellers', never another seller's."""

import pytest
from django.contrib.auth.models import Permission

from marketplace.models import SellerMembership
from policy_pages.audit_rows import versions_for
from policy_pages.versions import PolicyVersion
from tests.factories import StaffUserFactory
from tests.marketplace.factories import SellerFactory

pytestmark = pytest.mark.django_db

REPORT = "/admin/reports/policy-versions/"


def _auditor(*seller_references):
    user = StaffUserFactory(with_totp=True)
    user.user_permissions.add(Permission.objects.get(codename="view_policyversion"))
    for reference in seller_references:
        SellerMembership.objects.create(user=user, seller=SellerFactory(reference=reference))
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def seller_ref(policies):
    ref = PolicyVersion.objects.exclude(seller_ref="").values_list("seller_ref", flat=True).first()
    assert ref, "the demo policies include a seller's own policy"
    return ref


def test_seller_staff_read_marketplace_wide_and_their_own_versions(seller_ref):
    everything = PolicyVersion.objects.all()
    own = set(versions_for(_auditor(seller_ref), everything).values_list("seller_ref", flat=True))
    other = set(
        versions_for(_auditor("another-seller"), everything).values_list("seller_ref", flat=True)
    )

    assert own == {"", seller_ref}
    assert other == {""}
    assert versions_for(_auditor(), everything).count() == everything.count()


def test_the_report_and_its_export_leave_out_another_sellers_versions(client, seller_ref):
    client.force_login(_auditor("another-seller"))
    page = client.get(REPORT)
    assert page.status_code == 200
    assert {row.version.seller_ref for row in page.context["object_list"]} == {""}
    export = client.get(REPORT, {"export": "csv"})
    body = b"".join(export.streaming_content) if export.streaming else export.content
    assert seller_ref not in body.decode()
