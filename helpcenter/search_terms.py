"""The words of a help-center search: the query cleaned as typed, its
terms, "stemming-lite" (a small suffix stripper for en/fr/de, so that
"refund" and "refunds" make one query on every database), the editors'
synonyms and the closest word of the articles' vocabulary ("did you mean").

Nothing here touches the search backend: helpcenter.search builds the query."""

from __future__ import annotations

import bisect
import difflib
import re
import time
import unicodedata

from django.core.cache import cache

from .models import SearchQueryLog, SearchSynonym

MAX_TERMS = 12
# A word of a query, apostrophes and hyphens inside it kept ("l'avoir").
WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
# A word as SQLite's FTS5 (unicode61) and PostgreSQL's parser cut text: no
# apostrophes or hyphens inside. What the vocabulary is made of.
TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
# Forms of a root that join one query (shortest first): enough for plurals
# and participles, few enough to keep the FTS expression small.
MAX_FORMS = 10

SEARCH_GENERATION_KEY = "helpcenter:search-generation"
SEARCH_TTL = 5 * 60


def search_generation() -> int:
    # Seeded from the clock, so a flushed cache never reuses an old generation.
    return cache.get_or_set(SEARCH_GENERATION_KEY, time.time_ns, None)


def bump_search_cache() -> None:
    """Publishing or unpublishing a help page makes every cached result stale."""
    try:
        cache.incr(SEARCH_GENERATION_KEY)
    except ValueError:
        cache.set(SEARCH_GENERATION_KEY, time.time_ns(), None)


def _clean(raw: str | None) -> str:
    text = unicodedata.normalize("NFKC", (raw or "")[: SearchQueryLog.MAX_LENGTH * 4])
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(text.split())[: SearchQueryLog.MAX_LENGTH].strip()


def normalise_query(raw: str | None) -> str:
    """NFKC, no control characters, single spaces, lower case, capped."""
    return _clean(raw).lower()


def display_query(raw: str | None) -> str:
    """The query as the reader typed it (case kept), cleaned like normalise_query."""
    return _clean(raw)


def search_terms(query: str) -> list[str]:
    """The words of a query (no operators or markup reach the search backend)."""
    return WORD.findall(query)[:MAX_TERMS]


def is_exact(query: str) -> bool:
    """A query in double quotes is searched as typed, never corrected: what
    the "Search instead for …" link of a corrected search asks for."""
    return len(query) > 2 and query[0] in '"“”„«' and query[-1] in '"“”«»'


def exact_query(query: str) -> str:
    return f'"{query}"'


# --- stemming-lite -------------------------------------------------------------------------

# (suffix, what must come before it or "" for anything), longest first; one is
# stripped. Each maps a singular and its plurals (and a few verb forms) to one
# root, which the search then expands to the vocabulary's words that start
# with it: a root need not be a word ("polic" for policy, policies).
SUFFIXES = {
    "en": [
        ("ies", ""),
        ("ied", ""),
        ("ing", ""),
        ("es", "sxz"),
        ("ed", ""),
        ("y", "bcdfghjklmnpqrstvwxz"),
        ("s", "abcdefghjklmnopqrtvwxyz"),  # not after s, u, i ("address", "status", "this")
    ],
    "fr": [
        ("ées", ""),
        ("és", ""),
        ("ée", ""),
        ("er", ""),
        ("es", ""),
        ("e", ""),
        ("é", ""),
        ("s", ""),
        ("x", ""),
    ],
    "de": [("en", ""), ("er", ""), ("es", ""), ("e", ""), ("n", "lr"), ("s", "")],
}
MIN_ROOT = 3


def root(word: str, language_code: str) -> str:
    """The word lower case without its plural (or participle) ending."""
    word = word.lower()
    for suffix, after in SUFFIXES.get(language_code[:2], SUFFIXES["en"]):
        stem = word[: -len(suffix)]
        if (
            word.endswith(suffix)
            and len(stem) >= MIN_ROOT
            and (not after or stem[-1] in after)
            and TOKEN.fullmatch(stem)
        ):
            return stem
    return word


def words_of(text: str) -> set[str]:
    return {w.lower() for w in TOKEN.findall(text) if len(w) >= MIN_ROOT}


def forms(vocabulary: tuple[str, ...], stem: str) -> list[str]:
    """The words of a sorted vocabulary that start with `stem`, shortest first."""
    start = bisect.bisect_left(vocabulary, stem)
    found = []
    for word in vocabulary[start:]:
        if not word.startswith(stem):
            break
        found.append(word)
    return sorted(found, key=lambda w: (len(w), w))[:MAX_FORMS]


def closest(word: str, vocabulary: tuple[str, ...], candidates=None) -> str:
    """The closest word (edit similarity) of the vocabulary or of `candidates`."""
    close = difflib.get_close_matches(word, candidates or vocabulary, n=1, cutoff=0.8)
    return close[0] if close else ""


def best_candidate(word: str, scored: list[tuple[str, float]]) -> str:
    """Of the words PostgreSQL's trigram index found near `word` (with their
    trigram similarity), the one closest by edits: trigrams find "return" for
    "retrun" but rank it level with "retour"; edits tell them apart."""
    best, best_key = "", (0.0, 0.0)
    for candidate, similarity in scored:
        ratio = difflib.SequenceMatcher(None, word, candidate).ratio()
        if (ratio >= 0.8 or similarity >= 0.5) and (ratio, similarity) > best_key:
            best, best_key = candidate, (ratio, similarity)
    return best


# --- the editors' synonyms -----------------------------------------------------------------


def synonym_groups(language_code: str) -> list[list[str]]:
    """The editors' synonyms of a language (SearchSynonym), cached per generation."""
    key = f"helpcenter:synonyms:{search_generation()}:{language_code}"
    groups = cache.get(key)
    if groups is None:
        rows = SearchSynonym.objects.filter(language=language_code)
        groups = [phrases for phrases in (row.phrases() for row in rows) if len(phrases) > 1]
        cache.set(key, groups, SEARCH_TTL)
    return groups


def find_synonyms(words: list[str], language_code: str) -> tuple[list[str], list[list[str]]]:
    """The words no synonym covers, and the synonym groups of the others.

    Phrases are compared root by root, so "refunds" takes the group of
    "refund" as "refund" does (one query for both)."""
    remaining = [w.lower() for w in words]
    roots = [root(w, language_code) for w in remaining]
    groups = []
    for group in synonym_groups(language_code):
        for phrase in group:
            wanted = [root(w, language_code) for w in phrase.split()]
            size = len(wanted)
            found = next(
                (i for i in range(len(roots) - size + 1) if roots[i : i + size] == wanted), None
            )
            if found is not None:
                del remaining[found : found + size]
                del roots[found : found + size]
                groups.append(group)
                break
    return remaining, groups
