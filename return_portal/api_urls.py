from django.urls import path

from . import api

app_name = "return_portal_api"

urlpatterns = [
    path("orders/<str:reference>/eligibility", api.eligibility, name="eligibility"),
]
