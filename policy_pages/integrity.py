"""Verification of the policy version hash chain.

Each version's hash covers its content, its source-language text and the
previous version's hash (see versions.py). Verifying recomputes all of it from
the stored rows, so a row altered behind the model's back (raw SQL, a restored
backup, a disabled trigger) shows up as a broken version.

Plain functions: the `verify_policy_versions` command and the compliance audit
report both call them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import groupby

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .versions import GENESIS_HASH, PolicyChainHead, PolicyVersion, PolicyVersionText


class ProblemCode(StrEnum):
    NUMBERING = "numbering"
    PREVIOUS_HASH = "previous_hash"
    SOURCE_TEXT_MISSING = "source_text_missing"
    VERSION_HASH = "version_hash"
    TEXT_HASH = "text_hash"
    INDEX = "index"
    # Against the independent record of each chain's head (PolicyChainHead):
    VERSION_MISSING = "version_missing"  # recorded there, gone from the versions
    HEAD_HASH = "head_hash"  # its hash differs from the one recorded there
    HEAD_UNRECORDED = "head_unrecorded"  # a version the record never saw


# After one of these, no later version of the policy can be traced back to the
# genesis hash, so the later versions are reported as broken too. A bad
# translation text or lookup index row concerns its own version only.
CHAIN_BREAKING = frozenset(
    {
        ProblemCode.NUMBERING,
        ProblemCode.PREVIOUS_HASH,
        ProblemCode.SOURCE_TEXT_MISSING,
        ProblemCode.VERSION_HASH,
        ProblemCode.HEAD_HASH,
    }
)


@dataclass(frozen=True)
class Problem:
    policy_id: int
    policy_title: str
    policy_slug: str
    version_id: int | None  # None: the version is missing
    number: int
    code: ProblemCode
    message: str

    def __str__(self):
        return _("%(title)s (%(slug)s) version %(number)s: %(message)s") % {
            "title": self.policy_title,
            "slug": self.policy_slug,
            "number": self.number,
            "message": self.message,
        }


class ChainState(StrEnum):
    OK = "ok"
    BROKEN = "broken"


CHAIN_STATE_LABELS = {
    ChainState.OK: gettext_lazy("Intact"),
    ChainState.BROKEN: gettext_lazy("Broken"),
}


@dataclass(frozen=True)
class ChainStatus:
    state: ChainState
    reasons: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.state == ChainState.OK

    @property
    def label(self) -> str:
        return CHAIN_STATE_LABELS[self.state]


@dataclass(frozen=True)
class Verification:
    policies: int
    versions: int
    problems: list[Problem] = field(default_factory=list)
    statuses: dict[int, ChainStatus] = field(default_factory=dict)  # by version pk

    @property
    def intact(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> Problem | None:
        return self.problems[0] if self.problems else None


# --- loading -------------------------------------------------------------------


def versions_to_verify(policy_ids: Iterable[int] | None = None):
    """Versions with everything their hashes cover, in chain order: three
    queries whatever the number of versions."""
    versions = (
        PolicyVersion.objects.select_related("policy")
        .prefetch_related(
            Prefetch("texts", queryset=PolicyVersionText.objects.select_related("locale")),
            "markets",
        )
        .order_by("policy_id", "number")
    )
    if policy_ids is not None:
        versions = versions.filter(policy_id__in=list(policy_ids))
    return versions


def heads_to_verify(policy_ids: Iterable[int] | None = None):
    """The chain head records, by policy and number: one query."""
    heads = PolicyChainHead.objects.select_related("policy").order_by("policy_id", "number")
    if policy_ids is not None:
        heads = heads.filter(policy_id__in=list(policy_ids))
    return heads


def _policy_id(policy) -> int:
    return policy if isinstance(policy, int) else policy.pk


# --- checking one version --------------------------------------------------------


def _source_text(version: PolicyVersion) -> PolicyVersionText | None:
    # The source text is the one written from the policy page itself;
    # translations come from the translated pages.
    return next((text for text in version.texts.all() if text.page_id == version.policy_id), None)


def _numbering_problem(version, previous) -> str | None:
    expected = previous.number + 1 if previous else 1
    if version.number == expected:
        return None
    if previous is None:
        return _("the chain starts at version %(number)s instead of version 1") % {
            "number": version.number
        }
    return _("version %(expected)s is missing (version %(previous)s is followed by %(number)s)") % {
        "expected": expected,
        "previous": previous.number,
        "number": version.number,
    }


def _previous_hash_problem(version, previous) -> str | None:
    expected = previous.hash if previous else GENESIS_HASH
    if version.previous_hash == expected:
        return None
    if previous is None:
        return _("its previous hash is not the genesis hash")
    return _("its previous hash does not match the hash of version %(number)s") % {
        "number": previous.number
    }


def _version_hash_problem(version, source_text) -> str | None:
    recomputed = version.compute_hash(source_text)
    if recomputed == version.hash:
        return None
    return _(
        "its content does not match its hash (stored %(stored)s…, recomputed %(recomputed)s…)"
    ) % {
        "stored": version.hash[:12],
        "recomputed": recomputed[:12],
    }


def _text_problems(version) -> list[str]:
    return [
        _("its %(locale)s text does not match the text's hash")
        % {"locale": text.locale.language_code}
        for text in sorted(version.texts.all(), key=lambda text: text.locale.language_code)
        if text.compute_hash() != text.hash
    ]


def _index_problems(version) -> list[str]:
    """The columns the in-force lookup and the report read (seller, market rows)
    are copies of the hashed rules, outside the hash: a copy changed there
    would silently change which version governs an order."""
    try:
        rules = json.loads(version.rules_json)
        markets, seller = rules["markets"], rules.get("seller", "")
    except (ValueError, KeyError, TypeError, AttributeError):
        return []  # unreadable rules: already reported as a hash mismatch
    found = []
    if version.seller_ref != seller:
        found.append(_("its seller reference does not match its rules"))
    expected = {
        (market, version.kind, version.seller_ref, version.effective_from) for market in markets
    }
    indexed = {
        (row.market, row.kind, row.seller_ref, row.effective_from) for row in version.markets.all()
    }
    if indexed != expected:
        found.append(_("its in-force index rows do not match its rules and effective date"))
    return found


def _supersession_problem(version, numbers_by_pk: dict[int, int]) -> str | None:
    """A version leaves the timeline only when a later version of its policy
    replaced it while it was still scheduled (scheduling.py), in all its
    markets at once. `numbers_by_pk`: the numbers of its policy's versions."""
    marks = {(row.superseded_by_id, row.superseded_at) for row in version.markets.all()}
    if not marks or marks == {(None, None)}:
        return None
    superseded_by, superseded_at = next(iter(marks))
    if (
        len(marks) > 1
        or numbers_by_pk.get(superseded_by, 0) <= version.number
        or superseded_at is None
        or superseded_at >= version.effective_from
    ):
        return _("it is marked superseded, but not by a later version while it was scheduled")
    return None


def check_version(
    version: PolicyVersion, previous: PolicyVersion | None
) -> list[tuple[ProblemCode, str]]:
    """What is wrong with one version, given the one before it in the chain."""
    found = [
        (ProblemCode.NUMBERING, _numbering_problem(version, previous)),
        (ProblemCode.PREVIOUS_HASH, _previous_hash_problem(version, previous)),
    ]
    source_text = _source_text(version)
    if source_text is None:
        found.append(
            (
                ProblemCode.SOURCE_TEXT_MISSING,
                _("its text in the policy's own language is missing; its hash cannot be checked"),
            )
        )
    else:
        found.append((ProblemCode.VERSION_HASH, _version_hash_problem(version, source_text)))
    found += [(ProblemCode.TEXT_HASH, message) for message in _text_problems(version)]
    found += [(ProblemCode.INDEX, message) for message in _index_problems(version)]
    return [(code, message) for code, message in found if message]


# --- checking chains -------------------------------------------------------------


def _problem(version, code, message) -> Problem:
    return Problem(
        policy_id=version.policy_id,
        policy_title=version.policy.title,
        policy_slug=version.policy.slug,
        version_id=version.pk,
        number=version.number,
        code=code,
        message=message,
    )


def check_policy_chain(
    versions: list[PolicyVersion],
) -> tuple[list[Problem], dict[int, ChainStatus]]:
    """Problems and per-version status of one policy's versions, in number order."""
    problems: list[Problem] = []
    statuses: dict[int, ChainStatus] = {}
    previous = None
    broken_at = None
    numbers_by_pk = {version.pk: version.number for version in versions}
    for version in versions:
        found = check_version(version, previous)
        if superseded := _supersession_problem(version, numbers_by_pk):
            found.append((ProblemCode.INDEX, superseded))
        problems += [_problem(version, code, message) for code, message in found]
        if found:
            statuses[version.pk] = ChainStatus(ChainState.BROKEN, tuple(m for _code, m in found))
        elif broken_at is not None:
            reason = _("it follows broken version %(number)s") % {"number": broken_at}
            statuses[version.pk] = ChainStatus(ChainState.BROKEN, (reason,))
        else:
            statuses[version.pk] = ChainStatus(ChainState.OK)
        if broken_at is None and any(code in CHAIN_BREAKING for code, _m in found):
            broken_at = version.number
        previous = version
    return problems, statuses


def _missing_problem(head, last_number: int | None, newest: int) -> Problem:
    if head.number == newest:
        message = _(
            "the newest version recorded in the chain head is missing; the versions end at "
            "%(last)s (a deleted tail)"
        ) % {"last": last_number or 0}
    else:
        message = _("it is recorded in the chain head but missing from the versions")
    return Problem(
        policy_id=head.policy_id,
        policy_title=head.policy.title,
        policy_slug=head.policy.slug,
        version_id=None,
        number=head.number,
        code=ProblemCode.VERSION_MISSING,
        message=message,
    )


def check_heads(versions: list[PolicyVersion], heads: list[PolicyChainHead]) -> list[Problem]:
    """One policy's versions against the independent record of its head:
    deleted versions (the tail included), hashes swapped, versions inserted."""
    by_number = {version.number: version for version in versions}
    recorded = {head.number: head for head in heads}
    newest = max(recorded, default=0)
    last_number = max(by_number, default=None)
    problems = []
    for number in sorted(set(by_number) | set(recorded)):
        version, head = by_number.get(number), recorded.get(number)
        if version is None:
            problems.append(_missing_problem(head, last_number, newest))
        elif head is None:
            message = _("it is not recorded in the chain head (written outside the application)")
            problems.append(_problem(version, ProblemCode.HEAD_UNRECORDED, message))
        elif head.hash != version.hash:
            message = _(
                "its hash differs from the hash recorded in the chain head when it was written"
            )
            problems.append(_problem(version, ProblemCode.HEAD_HASH, message))
    return problems


def _broken_by_head(statuses, versions, problems) -> None:
    """A version whose hash differs from the record is broken, and so is every
    later version of its chain."""
    numbers = [p.number for p in problems if p.code in CHAIN_BREAKING and p.version_id]
    if not numbers:
        return
    first = min(numbers)
    for version in versions:
        own = tuple(p.message for p in problems if p.version_id == version.pk)
        if own:
            reasons = statuses[version.pk].reasons if not statuses[version.pk].ok else ()
            statuses[version.pk] = ChainStatus(ChainState.BROKEN, reasons + own)
        elif version.number > first and statuses[version.pk].ok:
            reason = _("it follows broken version %(number)s") % {"number": first}
            statuses[version.pk] = ChainStatus(ChainState.BROKEN, (reason,))


def verify(policy=None, *, policy_ids: Iterable[int] | None = None) -> Verification:
    """Recompute the chains of every policy, of one `policy` (page or pk), or
    of the policies in `policy_ids`."""
    if policy is not None:
        policy_ids = [_policy_id(policy)]
    problems: list[Problem] = []
    statuses: dict[int, ChainStatus] = {}
    policies = versions = 0
    chains = {
        policy_id: list(chain)
        for policy_id, chain in groupby(versions_to_verify(policy_ids), key=lambda v: v.policy_id)
    }
    heads = {
        policy_id: list(rows)
        for policy_id, rows in groupby(heads_to_verify(policy_ids), key=lambda h: h.policy_id)
    }
    for policy_id in sorted(set(chains) | set(heads)):
        chain = chains.get(policy_id, [])
        chain_problems, chain_state = check_policy_chain(chain)
        head_problems = check_heads(chain, heads.get(policy_id, []))
        _broken_by_head(chain_state, chain, head_problems)
        problems += sorted(chain_problems + head_problems, key=lambda p: p.number)
        statuses.update(chain_state)
        policies += 1
        versions += len(chain)
    return Verification(policies, versions, problems, statuses)


def verify_chain(policy=None) -> list[Problem]:
    """Every problem found, by policy then version number: the first one is
    the first broken version."""
    return verify(policy).problems


def chain_statuses(policy_ids: Iterable[int]) -> dict[int, ChainStatus]:
    """The chain status ("ok" or "broken") of every version of these policies,
    by version pk."""
    return verify(policy_ids=policy_ids).statuses
