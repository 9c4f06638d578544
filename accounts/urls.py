from django.urls import include, path

from . import privacy_views, views

urlpatterns = [
    path("login/", views.login, name="account_login"),
    path("my-data/", privacy_views.my_data, name="account_my_data"),
    path("my-data/export/", privacy_views.export_data, name="account_export_data"),
    path("", include("allauth.urls")),
]
