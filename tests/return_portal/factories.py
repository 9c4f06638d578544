"""Return-portal factories: returns and their lines, over the marketplace factories,
and the staff who may act on returns."""

import factory
from django.contrib.auth.models import Permission

from tests.factories import StaffUserFactory
from tests.marketplace.factories import OrderFactory, OrderLineFactory


class ReturnRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "return_portal.ReturnRequest"

    order = factory.SubFactory(OrderFactory)
    buyer = factory.LazyAttribute(lambda o: o.order.buyer)
    currency = factory.LazyAttribute(lambda o: o.order.currency)


class ReturnLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "return_portal.ReturnLine"

    order_line = factory.SubFactory(OrderLineFactory)
    return_request = factory.SubFactory(
        ReturnRequestFactory, order=factory.SelfAttribute("..order_line.order")
    )
    quantity = 1


def returns_staff_user(**fields):
    """A staff user with Wagtail's "change" permission on returns: the actions let
    them act (the returns admin's groups get it from seeding)."""
    user = StaffUserFactory(**fields)
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="return_portal", codename="change_returnrequest"
        )
    )
    return user
