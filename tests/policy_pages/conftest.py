import pytest
from django.contrib.auth.models import Group

from tests.factories import StaffUserFactory


@pytest.fixture
def policies(site_tree, django_capture_on_commit_callbacks):
    """The demo policies: the marketplace return policy (v1 past, v2 in force,
    v3 scheduled; v2 without German text) and Atelier Lumière's override."""
    from policy_pages.models import PolicyPage
    from policy_pages.seeding import seed_policies

    with django_capture_on_commit_callbacks(execute=True):
        seed_policies(site_tree)
    return PolicyPage.objects.get(slug="return-policy", locale__language_code="en")


def _member_of(group_name):
    user = StaffUserFactory(with_totp=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def policy_editor(policies):
    return _member_of("Policy editors")


@pytest.fixture
def legal_approver(policies):
    return _member_of("Legal approvers")


@pytest.fixture
def roles(policies):
    """One staff member per role of the demo, and a superuser."""
    from accounts.demo import ensure_staff_groups

    ensure_staff_groups()
    return {
        "editor": _member_of("Policy editors"),
        "legal": _member_of("Legal approvers"),
        "other_legal": _member_of("Legal approvers"),
        "returns": _member_of("Returns staff"),
        "seller": _member_of("Seller staff"),
        "admin": StaffUserFactory(with_totp=True, is_superuser=True),
    }
