from django.urls import path

from . import views

app_name = "helpcenter"
urlpatterns = [
    path("", views.support_home, name="home"),
    path("search/", views.search_view, name="search"),
    path("articles/<uuid:translation_key>/", views.article, name="article"),
    path("feedback/<int:article_id>/", views.feedback, name="feedback"),
    path("contact/", views.contact, name="contact"),
    path("contact/thanks/", views.contact_thanks, name="contact_thanks"),
    path("contact/suggestions/", views.suggestions, name="suggestions"),
    path("contact/suggestions/<int:article_id>/", views.suggestion_open, name="suggestion_open"),
    path("requests/", views.my_requests, name="my_requests"),
    path("requests/<str:reference>/", views.request_detail, name="request_detail"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
]
