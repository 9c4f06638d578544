from django.utils import formats
from django.utils.translation import gettext as _
from wagtail.admin.forms import WagtailAdminPageForm

from .compliance import check
from .services import latest_version, source_policy_page


class PolicyPageForm(WagtailAdminPageForm):
    """Validates a policy as a whole: scope, clause citations, effective date
    and the statutory floors of every market it applies to. A policy that
    fails cannot be saved, so it can never be submitted, approved or published."""

    RULE_CLAUSE_FIELDS = (
        "window_clause",
        "exceptions_clause",
        "conditions_clause",
        "resolutions_clause",
        "money_clause",
        "deadlines_clause",
    )

    # The editor's buttons that send the page to Legal review.
    SUBMIT_ACTIONS = ("action-submit", "action-restart-workflow")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        page = self.instance
        if "change_reason" in self.fields and page.pk is not None:
            # A reason already recorded belongs to that version: start the next blank.
            latest = latest_version(source_policy_page(page))
            if latest is not None and latest.change_reason == page.change_reason:
                self.initial["change_reason"] = ""

    def clean(self):
        cleaned_data = super().clean()
        submitting = any(self.data.get(action) for action in self.SUBMIT_ACTIONS)
        if (
            submitting
            and "change_reason" in self.fields
            and not (cleaned_data.get("change_reason") or "").strip()
        ):
            self.add_error(
                "change_reason",
                _("Say why this version changes the policy before submitting it to Legal review."),
            )
        return cleaned_data

    def _post_clean(self):
        super()._post_clean()
        page = self.instance
        if self.errors or not all(formset.is_valid() for formset in self.formsets.values()):
            return
        # Put the edited child rows (category overrides, shipping options) on
        # the in-memory page so its rules can be built before anything is saved.
        for formset in self.formsets.values():
            formset.instance = page
            formset.save(commit=False)
        self._check_clause_citations(page)
        self._check_effective_from(page)
        self._check_overlapping_scope(page)
        self._check_compliance(page)

    def _field_or_none(self, name):
        return name if name in self.fields else None

    def _check_clause_citations(self, page):
        anchors = set(page.clause_anchors())
        for name in self.RULE_CLAUSE_FIELDS:
            anchor = getattr(page, name)
            if anchor and anchor not in anchors:
                self.add_error(
                    self._field_or_none(name),
                    _("§%(anchor)s is not a clause of this policy.") % {"anchor": anchor},
                )
        for override in page.category_overrides.all():
            if override.clause and override.clause not in anchors:
                self.add_error(
                    None,
                    _(
                        "§%(anchor)s, cited by the override of category %(category)s, "
                        "is not a clause of this policy."
                    )
                    % {"anchor": override.clause, "category": override.category_code},
                )
        for option in page.shipping_options.all():
            if option.clause and option.clause not in anchors:
                self.add_error(
                    None,
                    _(
                        "§%(anchor)s, cited by the shipping option “%(method)s”, "
                        "is not a clause of this policy."
                    )
                    % {"anchor": option.clause, "method": option.get_method_display()},
                )

    def _check_effective_from(self, page):
        if not page.effective_from or page.pk is None:
            return
        previous = latest_version(source_policy_page(page))
        # The editor shows minutes: a date equal to the previous one up to the
        # minute is the same date, not an earlier one.
        floor = previous.effective_from.replace(second=0, microsecond=0) if previous else None
        if floor and page.effective_from < floor:
            self.add_error(
                self._field_or_none("effective_from"),
                _("The effective date cannot be before that of version %(number)s (%(date)s).")
                % {
                    "number": previous.number,
                    "date": formats.date_format(previous.effective_from, "DATETIME_FORMAT"),
                },
            )

    def _check_overlapping_scope(self, page):
        others = (
            type(page)
            ._default_manager.filter(kind=page.kind, seller_ref=page.seller_ref, locale=page.locale)
            .exclude(translation_key=page.translation_key)
            .only("title", "markets")
        )
        for other in others:
            shared = sorted(set(other.markets or ()) & set(page.markets or ()))
            if shared:
                self.add_error(
                    self._field_or_none("markets"),
                    _("“%(title)s” already covers %(markets)s for the same seller and kind.")
                    % {"title": other.title, "markets": ", ".join(shared)},
                )

    def _check_compliance(self, page):
        report = check(page.build_rules())
        for finding in report.errors:
            self.add_error(self._field_or_none(finding.field), finding.message)
        self.compliance_warnings = [finding.message for finding in report.warnings]
