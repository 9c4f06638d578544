from django.urls import path

from . import demo_store

app_name = "demo_store"

urlpatterns = [
    path("", demo_store.product, name="product"),
    path("checkout/", demo_store.checkout, name="checkout"),
]
