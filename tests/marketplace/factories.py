"""Factories for the marketplace mirror and for intake payloads (JSON dicts)."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from marketplace.models import Order, OrderLine, OrderPayment, ProductCategory, Seller
from policy_pages.timeline import policy_in_force


def iso(instant) -> str:
    return instant.isoformat()


# --- payloads, as the intake API takes them ----------------------------------------------


class SellerPayloadFactory(factory.DictFactory):
    reference = factory.Sequence(lambda n: f"seller-{n}")
    name = factory.LazyAttribute(lambda o: o.reference.replace("-", " ").title())
    is_trader = True
    country = "FR"
    returns_address = "1 rue de la Paix, 75002 Paris"


class CategoryPayloadFactory(factory.DictFactory):
    code = "shirts"
    name = factory.Dict({"en": "Shirts", "fr": "Chemises", "de": "Hemden"})
    parent = factory.Dict(
        {"code": "apparel", "name": {"en": "Apparel", "fr": "Vêtements", "de": "Bekleidung"}}
    )


class LinePayloadFactory(factory.DictFactory):
    reference = factory.Sequence(lambda n: f"L{n}")
    seller = factory.SubFactory(SellerPayloadFactory, reference="maison-durand")
    sku = factory.Sequence(lambda n: f"SKU-{n}")
    title = "Oxford shirt, blue"
    category = factory.SubFactory(CategoryPayloadFactory)
    quantity = 1
    unit_price = "49.90"
    delivered_at = factory.LazyFunction(lambda: iso(timezone.now() - timedelta(days=3)))


class OrderPayloadFactory(factory.DictFactory):
    reference = factory.Sequence(lambda n: f"ORD-{n:05d}")
    buyer_email = factory.Sequence(lambda n: f"customer{n}@example.com")
    market = "FR"
    currency = "EUR"
    placed_at = factory.LazyFunction(lambda: iso(timezone.now() - timedelta(days=6)))
    withdrawal_info_given = True
    shipping = factory.Dict({"standard": "4.90", "express_surcharge": "0.00"})
    payment = factory.Dict({"method": "card", "reference": "pi_123", "amount": "54.80"})
    lines = factory.List([factory.SubFactory(LinePayloadFactory)])


# --- rows ----------------------------------------------------------------------------------


class SellerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Seller
        django_get_or_create = ("reference",)

    reference = factory.Sequence(lambda n: f"seller-{n}")
    name = factory.LazyAttribute(lambda o: o.reference.title())
    is_trader = True
    country = "FR"


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"category-{n}")
    names = factory.LazyAttribute(lambda o: {"en": o.code.title()})
    parent = None
    path = factory.LazyAttribute(lambda o: f"{o.parent.path}/{o.code}" if o.parent else o.code)


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"F-{n:05d}")
    buyer = None
    buyer_email = factory.LazyAttribute(lambda o: o.buyer.email if o.buyer else "x@example.com")
    market = "FR"
    currency = "EUR"
    placed_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=6))
    withdrawal_info_given = True
    shipping_standard_amount = Decimal("4.90")
    payment_method = "card"
    payment_amount = Decimal("54.80")
    payload_hash = factory.Sequence(lambda n: f"{n:064d}")

    @factory.post_generation
    def payments(order, create, extracted, **kwargs):
        """The means it was paid with, as intake records them: one from
        payment_method/payment_amount unless given as [(method, amount), ...]."""
        if not create:
            return
        given = extracted or [(order.payment_method, order.payment_amount)]
        OrderPayment.objects.bulk_create(
            OrderPayment(
                order=order,
                position=position,
                method=method,
                reference=order.payment_reference if position == 0 else "",
                amount=Decimal(amount),
            )
            for position, (method, amount) in enumerate(given)
        )


class OrderLineFactory(factory.django.DjangoModelFactory):
    """A line pinned, like intake pins it, to the version in force at placed_at."""

    class Meta:
        model = OrderLine
        skip_postgeneration_save = True

    order = factory.SubFactory(OrderFactory)
    reference = factory.Sequence(lambda n: f"L{n}")
    position = factory.Sequence(lambda n: n)
    seller = factory.SubFactory(SellerFactory, reference="maison-durand")
    seller_is_trader = factory.LazyAttribute(lambda o: o.seller.is_trader)
    sku = factory.Sequence(lambda n: f"SKU-{n}")
    title = "Oxford shirt"
    category = factory.SubFactory(CategoryFactory, code="shirts")
    quantity = 1
    unit_price = Decimal("49.90")
    delivered_at = factory.LazyAttribute(lambda o: o.order.placed_at + timedelta(days=3))

    class Params:
        # OrderLineFactory(policy_version=v) pins to v instead.
        policy_version = factory.LazyAttribute(
            lambda o: policy_in_force(
                o.order.market, o.seller.reference, o.category.code, o.order.placed_at
            )
        )

    pin = factory.RelatedFactory(
        "tests.marketplace.factories.LinePinFactory",
        factory_related_name="line",
        version=factory.SelfAttribute("..policy_version"),
    )


class LinePinFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "policy_pages.LinePin"
