from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from accounts import views as account_views
from config.api import api
from core import views as core_views
from core.inbound_email import mailgun_view
from helpcenter.desk import REPLY_KIND as SUPPORT_REPLY
from helpcenter.inbound import receive_support_email
from helpcenter.sitemaps import LocalizedSitemap
from marketplace import admin_history
from return_portal.buyer_messages import REPLY_KIND as RETURN_REPLY
from return_portal.buyer_messages import receive_return_email
from return_portal.views import guest as guest_views

# Not translated by URL prefix: the admin (it follows each user's admin
# language), machine endpoints (API, sitemap, health) and documents.
urlpatterns = [
    # Staff sign in through allauth's login so its MFA stage always applies.
    path("admin/login/", account_views.admin_login, name="admin_login"),
    # Wagtail's site history, scoped to the objects each user may see.
    path("admin/reports/site-history/", admin_history.site_history),
    path("admin/reports/site-history/results/", admin_history.site_history_results),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v1/", api.urls),
    path("policies/embed/", include("policy_pages.embed_urls")),
    # Every language's tree: Wagtail's default sitemap lists only the default site root.
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": LocalizedSitemap}}, name="sitemap"),
    path("healthz", core_views.health, name="health"),
    # Buyers' email replies, one handler per kind of thread (core.inbound_email);
    # signed by Mailgun, so CSRF-exempt.
    path(
        "inbound/mailgun/",
        mailgun_view({SUPPORT_REPLY: receive_support_email, RETURN_REPLY: receive_return_email}),
        name="inbound_mailgun",
    ),
    # Browsers ask for /favicon.ico whatever the page links; not permanent: the URL is hashed.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.svg")), name="favicon"),
]

# Public pages: English at the root, French under /fr/, German under /de/.
urlpatterns += i18n_patterns(
    path("accounts/", include("accounts.urls")),
    path("demo-store/", include("policy_pages.demo_store_urls")),
    path("support/", include("helpcenter.urls")),
    # Guest access by magic link: outside the portal's namespace, which is the buyer's.
    path("returns/find/", guest_views.find_order, name="guest_find_order"),
    path("returns/guest/<uuid:order_id>/", guest_views.open_order, name="guest_open_order"),
    # The satisfaction survey of a finished return: its link is the key, no login.
    path("returns/feedback/", include("insights.urls")),
    path("returns/", include("return_portal.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns
