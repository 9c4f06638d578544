from django.urls import path

from . import csat_views

urlpatterns = [
    path("<str:token>/", csat_views.answer, name="csat_answer"),
    path("<str:token>/opt-out/", csat_views.opt_out, name="csat_opt_out"),
]
