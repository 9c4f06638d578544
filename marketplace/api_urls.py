from django.urls import path

from . import api

app_name = "marketplace_api"

urlpatterns = [
    path("orders", api.create_order, name="orders"),
    path("orders/<str:reference>/deliveries", api.deliveries, name="deliveries"),
]
