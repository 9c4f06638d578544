"""Return-portal factories: returns and their lines, over the marketplace factories,
and the staff who may act on returns."""

import factory
from django.contrib.auth.models import Permission

from marketplace.models import OPERATOR_CODENAME, SellerMembership
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

    @factory.post_generation
    def seller_of_the_return(line, create, extracted, **kwargs):
        """A return is one seller's: its first line's, as confirm records it."""
        request = line.return_request
        if create and request.seller_id is None:
            request.seller_id = line.order_line.seller_id
            type(request).objects.filter(pk=request.pk).update(seller_id=request.seller_id)


def returns_staff_user(*, operator: bool = True, sellers=(), **fields):
    """A staff user with Wagtail's "change" permission on returns: the actions let
    them act (the returns admin's groups get it from seeding). The operator's
    staff by default (every seller); with `operator=False`, a seller's staff,
    members of `sellers`."""
    user = StaffUserFactory(**fields)
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="return_portal", codename="change_returnrequest"
        )
    )
    if operator:
        user.user_permissions.add(
            Permission.objects.get(
                content_type__app_label="marketplace", codename=OPERATOR_CODENAME
            )
        )
    for seller in sellers:
        SellerMembership.objects.create(user=user, seller=seller)
    return user
