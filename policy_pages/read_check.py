"""Check on read: the API and the public pages recompute a version's hash
before serving it, and refuse a version whose content no longer matches.

The verdict is cached per version pk and stored hash: an intact row never
changes, so a warm check costs no query. A row whose hash column is altered
gets a new key, hence a fresh check; a row altered under its unchanged hash is
caught on the first cold read, and by the scheduled verification, which marks
the versions it finds broken (`mark_tampered`) so that a cached "intact" does
not outlive the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.cache import cache
from django.db.models import prefetch_related_objects

from .versions import PolicyVersion

logger = logging.getLogger(__name__)

VERDICT_TTL = 24 * 3600


class VersionTampered(Exception):
    """A version failed its hash check on read."""

    def __init__(self, versions: list[PolicyVersion]):
        self.versions = versions
        super().__init__(", ".join(str(version) for version in versions))


def _key(pk: int, hash_: str) -> str:
    return f"policy_pages:intact:{pk}:{hash_}"


def _marker_key(pk: int) -> str:
    return f"policy_pages:tampered:{pk}"


def _recompute(version: PolicyVersion) -> bool:
    texts = list(version.texts.all())
    source = next((text for text in texts if text.page_id == version.policy_id), None)
    if source is None or version.compute_hash(source) != version.hash:
        return False
    # Every text served must be the one written with this version.
    return all(text.compute_hash() == text.hash for text in texts)


def tampered_versions(versions: Iterable[PolicyVersion]) -> list[PolicyVersion]:
    """The versions that fail their hash check; cold ones are checked together
    (their texts and locales in two queries), warm ones cost nothing."""
    versions = [version for version in versions if version is not None]
    cached = cache.get_many(
        [_key(v.pk, v.hash) for v in versions] + [_marker_key(v.pk) for v in versions]
    )
    failed, cold = [], []
    for version in versions:
        verdict = cached.get(_key(version.pk, version.hash))
        if cached.get(_marker_key(version.pk)) or verdict is False:
            failed.append(version)
        elif verdict is None:
            cold.append(version)
    if cold:
        prefetch_related_objects(cold, "texts__locale")
        verdicts = {}
        for version in cold:
            intact = _recompute(version)
            verdicts[_key(version.pk, version.hash)] = intact
            if not intact:
                failed.append(version)
        cache.set_many(verdicts, VERDICT_TTL)
    for version in failed:
        logger.error("Policy version %s fails its hash check; not served.", version)
    return failed


def check_served(*versions: PolicyVersion | None) -> None:
    """Raise VersionTampered if any of these versions fails its hash check."""
    failed = tampered_versions(versions)
    if failed:
        raise VersionTampered(failed)


def mark_tampered(version_ids: Iterable[int]) -> None:
    """Refuse these versions on read from now on, whatever verdict is cached."""
    markers = {_marker_key(pk): True for pk in set(version_ids)}
    if markers:
        cache.set_many(markers, VERDICT_TTL)
