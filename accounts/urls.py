from django.urls import include, path

from . import views

urlpatterns = [
    path("login/", views.login, name="account_login"),
    path("", include("allauth.urls")),
]
