from django.urls import path

from . import embed

app_name = "policy_embed"

urlpatterns = [
    path("", embed.fragment, name="fragment"),
    path("frame/", embed.frame, name="frame"),
]
