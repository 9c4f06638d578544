"""A readable comparison of two policy versions: rules and clauses, each
entry marked added, removed or changed in words (never by colour alone)."""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass

from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

from .presentation import describe_rules
from .prose import render_html

ADDED, REMOVED, CHANGED = "added", "removed", "changed"


@dataclass(frozen=True)
class Change:
    status: str  # added | removed | changed
    label: str
    old: str = ""
    new: str = ""
    inline: str = ""  # word-level diff with <del>/<ins>, safe HTML


@dataclass(frozen=True)
class Comparison:
    rules: list[Change]
    clauses: list[Change]

    @property
    def has_changes(self) -> bool:
        return bool(self.rules or self.clauses)


def _words(text: str) -> list[str]:
    return re.findall(r"\S+|\s+", text)


def inline_diff(old: str, new: str) -> str:
    old_words, new_words = _words(old), _words(new)
    parts = []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        removed = html.escape("".join(old_words[a1:a2]))
        added = html.escape("".join(new_words[b1:b2]))
        if op == "equal":
            parts.append(removed)
        if op in ("delete", "replace"):
            parts.append(f"<del>{removed}</del>")
        if op in ("insert", "replace"):
            parts.append(f"<ins>{added}</ins>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped above


def compare_versions(old_version, old_text, new_version, new_text) -> Comparison:
    old_rules = {line.key: line for line in describe_rules(old_version.rules)}
    new_rules = {line.key: line for line in describe_rules(new_version.rules)}
    rule_changes = []
    for key in list(dict.fromkeys([*old_rules, *new_rules])):
        before, after = old_rules.get(key), new_rules.get(key)
        if before is None:
            rule_changes.append(Change(ADDED, after.label, new=after.value))
        elif after is None:
            rule_changes.append(Change(REMOVED, before.label, old=before.value))
        elif before.value != after.value:
            rule_changes.append(
                Change(
                    CHANGED,
                    after.label,
                    before.value,
                    after.value,
                    inline_diff(before.value, after.value),
                )
            )
    # Compared as read: each version's placeholders filled in with its own rules.
    old_clauses = {c["anchor"]: _with_values(c, old_version.rules) for c in old_text.clauses}
    new_clauses = {c["anchor"]: _with_values(c, new_version.rules) for c in new_text.clauses}
    clause_changes = []
    for anchor in sorted({*old_clauses, *new_clauses}, key=_anchor_key):
        before, after = old_clauses.get(anchor), new_clauses.get(anchor)
        label = f"§{anchor} {(after or before)['heading']}"
        if before is None:
            clause_changes.append(Change(ADDED, label, new=_plain(after)))
        elif after is None:
            clause_changes.append(Change(REMOVED, label, old=_plain(before)))
        elif _plain(before) != _plain(after):
            clause_changes.append(
                Change(
                    CHANGED,
                    label,
                    _plain(before),
                    _plain(after),
                    inline_diff(_plain(before), _plain(after)),
                )
            )
    return Comparison(rule_changes, clause_changes)


def _with_values(clause: dict, rules) -> dict:
    return {**clause, "html": render_html(clause["html"], rules)}


def _plain(clause: dict) -> str:
    text = f"{clause['heading']}\n{strip_tags(clause['html'])}"
    return html.unescape(re.sub(r"[ \t]+", " ", text)).strip()


def _anchor_key(anchor: str) -> tuple[int, ...]:
    return tuple(int(part) for part in anchor.split("."))
