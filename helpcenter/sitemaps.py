"""A sitemap of every locale.

Wagtail's sitemap lists the descendants of the site's root page only: the
English home. The French and German homes are its translations, separate
trees beside it, so their pages were missing. This sitemap lists the
descendants of the root page's every translation; help pages also name their
translations (hreflang alternates, see HelpPageMixin).

config/urls.py serves it with:
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": LocalizedSitemap}}, name="sitemap")
"""

from functools import reduce
from operator import or_

from django.db.models import Q
from wagtail.contrib.sitemaps import Sitemap
from wagtail.models import Page


class LocalizedSitemap(Sitemap):
    def items(self):
        root = self.get_wagtail_site().root_page
        roots = root.get_translations(inclusive=True)
        tree = reduce(or_, (Q(path__startswith=r.path) for r in roots))
        return (
            Page.objects.filter(tree)
            .live()
            .public()
            .order_by("path")
            .defer_streamfields()
            .specific()
        )
