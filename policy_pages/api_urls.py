from django.urls import path

from . import api

app_name = "policy_api"

urlpatterns = [
    path("policies/in-force", api.in_force, name="in_force"),
    path("openapi.json", api.openapi, name="openapi"),
]
