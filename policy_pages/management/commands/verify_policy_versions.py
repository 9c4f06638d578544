"""Recompute the policy version hash chain; exit non-zero at the first break.

Meant for cron and CI: silent success is one line, a failure names the first
broken version on stderr (via CommandError, exit status 1) after listing every
problem found.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from policy_pages.integrity import verify
from policy_pages.models import PolicyPage
from policy_pages.versions import PolicyVersion


class Command(BaseCommand):
    help = (
        "Recompute the hash chain of every policy version (or of one policy) from the "
        "stored rows. Exits with status 1, naming the first broken version, if any "
        "version, text or market index row no longer matches its hash, or if the versions "
        "differ from the append-only record of each chain's head (a deleted or rewritten "
        "version)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--policy",
            metavar="SLUG_OR_ID",
            help="Verify only this policy (its slug or page id).",
        )

    def handle(self, *args, policy=None, **options):
        result = verify(self._policy(policy) if policy else None)
        if result.intact:
            self.stdout.write(self.style.SUCCESS(self._summary(result)))
            return
        for problem in result.problems:
            self.stderr.write(str(problem))
        raise CommandError(
            _("Chain broken. First broken version: %(problem)s") % {"problem": result.first_problem}
        )

    def _policy(self, value: str) -> PolicyPage:
        # Versions hang off the source page; a slug is shared by its
        # translations, so only the page that has versions is meant.
        versioned = PolicyPage.objects.filter(pk__in=PolicyVersion.objects.values("policy_id"))
        lookup = {"pk": int(value)} if value.isdigit() else {"slug": value}
        page = versioned.filter(**lookup).first()
        if page is None:
            raise CommandError(_("No policy with versions matches %(value)s.") % {"value": value})
        return page

    def _summary(self, result) -> str:
        versions = ngettext("%(count)d version", "%(count)d versions", result.versions) % {
            "count": result.versions
        }
        policies = ngettext("%(count)d policy", "%(count)d policies", result.policies) % {
            "count": result.policies
        }
        return _("%(versions)s of %(policies)s verified, chain intact") % {
            "versions": versions,
            "policies": policies,
        }
