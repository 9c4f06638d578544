from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.admin.forms import WagtailAdminPageForm

from . import prose, prose_override
from .compliance import check
from .scheduling import ScheduleConflict, plan_schedule, scheduled_notice
from .services import latest_version, source_policy_page
from .timeline import policy_timeline


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
        if "effective_from" in self.fields:
            self._prepare_schedule_fields(page)
        self._prepare_prose_fields(page)

    def _prepare_schedule_fields(self, page):
        """Each version chooses its own instant and, while another is
        scheduled, whether it replaces it: neither is carried over."""
        timeline = policy_timeline(source_policy_page(page)) if page.pk else None
        taken = {version.effective_from for version in timeline.versions} if timeline else set()
        if page.effective_from in taken:
            # The instant of a published version, not a choice for the next one.
            self.initial["effective_from"] = None
        notice = scheduled_notice(timeline) if timeline else None
        if notice is None:
            self.fields.pop("schedule_choice", None)
            page.schedule_choice = ""
            return
        self.initial["schedule_choice"] = ""
        self.fields["effective_from"].help_text = notice
        if "schedule_choice" in self.fields:
            self.fields["schedule_choice"].help_text = notice

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
        self._check_schedule(page)
        self._check_overlapping_scope(page)
        self._check_compliance(page)
        self._check_prose(page)

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

    def _check_schedule(self, page):
        """The editor's effective date and schedule choice, checked as
        publishing will apply them (scheduling.plan_schedule)."""
        self.schedule_warning = None
        if page.pk is None:
            return
        timeline = policy_timeline(source_policy_page(page))
        submitting = any(self.data.get(action) for action in self.SUBMIT_ACTIONS)
        try:
            plan_schedule(timeline, page.effective_from, page.schedule_choice, timezone.now())
        except ScheduleConflict as conflict:
            if conflict.field == "schedule_choice" and not submitting:
                # A draft may wait for its choice; a submission to review may not.
                self.schedule_warning = conflict.message
            else:
                self.add_error(self._field_or_none(conflict.field), conflict.message)

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

    # --- prose bound to the rules (prose.py, prose_override.py) ----------------

    def _prepare_prose_fields(self, page):
        """The placeholders the editor may write; the legal override, which
        only legal approvers may give (for others the field is disabled, so
        what they post is ignored), starts blank for a fresh version, and
        shows the reviewer which numbers it covers."""
        rules = page.build_rules()
        placeholders = ", ".join(prose.available_placeholders(rules))
        hint = _("Placeholders for rule values: %(placeholders)s.") % {"placeholders": placeholders}
        for name in ("summary", "clauses"):
            if name in self.fields:
                self.fields[name].help_text = f"{self.fields[name].help_text} {hint}".strip()
        field = self.fields.get("prose_override_reason")
        if field is None:
            return
        latest = latest_version(source_policy_page(page)) if page.pk else None
        published = latest.revision.content.get("prose_override_reason") if latest else None
        if page.prose_override_reason and published == page.prose_override_reason:
            self.initial["prose_override_reason"] = ""  # that version's, not the next one's
        if not prose_override.may_override(self.for_user):
            field.disabled = True
        flagged = prose.contradicting_numbers(page, rules)
        if flagged:
            numbers = prose_override.describe_numbers(vars(problem) for problem in flagged)
            field.help_text = "{} {}".format(
                field.help_text,
                _("Numbers typed by hand against the rules now: %(numbers)s.")
                % {"numbers": numbers},
            )

    def _add_prose_error(self, field, message):
        # The full message at the top (it names the field and the clause), and
        # the field itself marked.
        self.add_error(None, message)
        name = self._field_or_none(field)
        if name and name not in self.errors:
            self.add_error(name, _("See the errors above: numbers and placeholders."))

    def _check_prose(self, page):
        rules = page.build_rules()
        for problem in prose.placeholder_problems(page, rules):
            self._add_prose_error(problem.field, problem.message)
        flagged = prose.contradicting_numbers(page, rules)
        submitting = any(self.data.get(action) for action in self.SUBMIT_ACTIONS)
        if not (submitting and flagged) or prose_override.override_reason(page):
            return  # a draft may hold them: the editor shows them as warnings
        for problem in flagged:
            self._add_prose_error(problem.field, problem.message)
        self.add_error(
            self._field_or_none("prose_override_reason"),
            _(
                "Numbers typed by hand contradict the rules: write placeholders, or a legal "
                "approver gives the reason they stand, before submitting to Legal review."
            ),
        )
