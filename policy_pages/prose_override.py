"""The legal override of numbers typed by hand: who may give it, and its record.

Numbers in a policy's text that contradict its rules (prose.py) block the
submission to Legal review unless a legal approver writes why they stand. The
reason is a field of the page, so every revision holds it; each new or changed
reason is also written to the page's history (Wagtail's audit log) with the
numbers it covers, and the editor shows both to the reviewer.
"""

from __future__ import annotations

from django.contrib import messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import LogFormatter, log
from wagtail.models import PageLogEntry

from .prose import contradicting_numbers
from .workflow import is_legal_approver

OVERRIDE_ACTION = "policy_pages.prose_override"


def may_override(user) -> bool:
    """Members of a group that approves the Legal review, and superusers."""
    return is_legal_approver(user)


def override_reason(page) -> str:
    return (getattr(page, "prose_override_reason", "") or "").strip()


def after_save(request, page) -> None:
    """At each save: the contradicting numbers as warnings (a draft may hold
    them), and a new legal override written to the page's history."""
    problems = contradicting_numbers(page, page.build_rules())
    for problem in problems:
        messages.warning(request, problem.message)
    reason = override_reason(page)
    if not (problems and reason):
        return
    messages.info(
        request,
        gettext("Kept by a legal override of numbers typed by hand: %(reason)s")
        % {"reason": reason},
    )
    if may_override(request.user):
        record_override(page, request.user, reason, problems)


def record_override(page, user, reason: str, problems) -> None:
    numbers = [
        {"field": problem.field, "anchor": problem.anchor, "number": problem.number}
        for problem in problems
    ]
    last = (
        PageLogEntry.objects.filter(page=page, action=OVERRIDE_ACTION)
        .order_by("-timestamp", "-pk")
        .first()
    )
    if last and last.data.get("reason") == reason and last.data.get("numbers") == numbers:
        return  # saved again as it was: already recorded
    log(
        instance=page,
        action=OVERRIDE_ACTION,
        user=user,
        revision=page.get_latest_revision(),
        data={"reason": reason, "numbers": numbers},
    )


def describe_numbers(numbers) -> str:
    """ "§6 “4.90 EUR”, summary “90 days”" from recorded or found numbers."""
    parts = []
    for item in numbers:
        where = gettext("summary") if item["field"] == "summary" else "§" + item["anchor"]
        parts.append(f"{where} “{item['number']}”")
    return ", ".join(parts)


class ProseOverrideLogFormatter(LogFormatter):
    label = _("Legal override of numbers typed by hand")

    def format_message(self, log_entry):
        return gettext("Numbers kept against the rules: %(numbers)s") % {
            "numbers": describe_numbers(log_entry.data.get("numbers", []))
        }

    def format_comment(self, log_entry):
        return log_entry.data.get("reason", "")


def register_log_actions(actions) -> None:
    """For the `register_log_actions` hook (wagtail_hooks.py)."""
    actions.register_action(OVERRIDE_ACTION)(ProseOverrideLogFormatter)
