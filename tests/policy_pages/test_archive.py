"""The archive of a policy version (policy_pages.archive): per version and
language, a PDF of what a consumer saw, generated once, stored with its
SHA-256, served from the versions page and from the compliance audit, and
refused when the stored file no longer matches its hash."""

import hashlib
import re
import zlib
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from wagtail.models import Locale

from policy_pages import archive as archive_module
from policy_pages.archive import (
    ArchiveUnavailable,
    PolicyVersionArchive,
    archive_for,
    verified_content,
)
from policy_pages.archive_views import DOWNLOAD_URL_NAME
from policy_pages.prose import render_text
from policy_pages.versions import ImmutableRecordError, PolicyVersion, PolicyVersionText
from tests.factories import StaffUserFactory
from tests.policy_pages import test_integrity
from tests.policy_pages.test_integrity import tamper_version

pytestmark = pytest.mark.django_db

# The demo policies: return-policy v1 (past), v2 (in force, no German text), v3 (scheduled).
demo_policies = test_integrity.demo_policies

POLICY_URL = "/policies/return-policy/"


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    """Archives go to a temporary private folder of this test."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    return tmp_path / "private"


def version(policy, number):
    return PolicyVersion.objects.get(policy=policy, number=number)


def locale(code):
    return Locale.objects.get(language_code=code)


def stored_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def when(instant, language):
    with translation.override(language):
        return formats.date_format(timezone.localtime(instant), "DATETIME_FORMAT")


# --- reading the PDF's text ---------------------------------------------------------
# No PDF reader is a dependency: this reads what fpdf2 writes (Flate streams,
# literal strings shown with Tj, Type0 fonts mapped back to text by their
# ToUnicode CMaps, core fonts in WinAnsi), enough to check what a page says.

OBJECT = re.compile(rb"(\d+) 0 obj\s*")
ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
TOKEN = re.compile(rb"/(F\d+)\s+[\d.]+\s+Tf|\(|\bET\b|(?<![\w/])[qQ](?!\w)")


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes]]:
    """Each object's dictionary and its stream, inflated; a stream is cut by its
    /Length (its binary data may hold any byte, "endobj" included)."""
    objects, position = {}, 0
    while match := OBJECT.search(pdf, position):
        start = match.end()
        stream_at, end = pdf.find(b"\nstream\n", start), pdf.find(b"endobj", start)
        if stream_at == -1 or stream_at > end:
            objects[int(match.group(1))] = (pdf[start:end], b"")
            position = end
            continue
        head = pdf[start:stream_at]
        length = int(re.search(rb"/Length (\d+)", head).group(1))
        data = pdf[stream_at + 8 : stream_at + 8 + length]
        if b"/FlateDecode" in head:
            data = zlib.decompress(data)
        objects[int(match.group(1))] = (head, data)
        position = pdf.find(b"endobj", stream_at + 8 + length)
    return objects


def _cmap(stream: bytes) -> dict[bytes, str]:
    mapping = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
        for code, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[bytes.fromhex(code.decode())] = bytes.fromhex(text.decode()).decode("utf-16-be")
    return mapping


def _literal(data: bytes, start: int) -> tuple[bytes, int]:
    out, depth, i = bytearray(), 1, start
    while i < len(data):
        byte = data[i : i + 1]
        if byte == b"\\":
            following = data[i + 1 : i + 2]
            octal = re.match(rb"[0-7]{1,3}", data[i + 1 : i + 4])
            if octal:
                out.append(int(octal.group(), 8))
                i += 1 + len(octal.group())
            else:
                out += ESCAPES.get(following, following)
                i += 2
            continue
        depth += {b"(": 1, b")": -1}.get(byte, 0)
        if depth == 0:
            return bytes(out), i + 1
        out += byte
        i += 1
    return bytes(out), i


def pdf_text(pdf: bytes) -> str:
    objects = _objects(pdf)
    decoders = {}
    for head, _stream in objects.values():
        for name, ref in re.findall(rb"/(F\d+) (\d+) 0 R", head):
            to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", objects[int(ref)][0])
            if to_unicode:
                cmap = _cmap(objects[int(to_unicode.group(1))][1])
                decoders[name] = lambda raw, cmap=cmap: "".join(
                    cmap.get(raw[i : i + 2], "\ufffd") for i in range(0, len(raw), 2)
                )
            else:
                decoders[name] = lambda raw: raw.decode("cp1252", "replace")
    lines = []
    for head, stream in objects.values():
        if b"BT" not in stream or b"/Length1" in head:  # content streams only, not fonts
            continue
        font, line, saved, i = None, [], [], 0
        while match := TOKEN.search(stream, i):
            i = match.end()
            if match.group() == b"q":  # the font is part of the saved graphics state
                saved.append(font)
            elif match.group() == b"Q":
                font = saved.pop() if saved else font
            elif match.group(1):
                font = match.group(1)
            elif match.group() == b"(":
                raw, i = _literal(stream, i)
                line.append(decoders[font](raw))
            else:
                lines.append("".join(line))
                line = []
    return "\n".join(line for line in lines if line.strip())


def archive_text(archive) -> str:
    return pdf_text(verified_content(archive))


# --- generated once, hash recorded ----------------------------------------------------


def test_an_archive_is_generated_once_and_then_always_the_same(demo_policies, _private_storage):
    v2, english = version(demo_policies, 2), locale("en")

    first = archive_for(v2, english)
    files = stored_files(_private_storage)
    again = archive_for(v2, english)

    assert again.pk == first.pk
    assert PolicyVersionArchive.objects.filter(version=v2, locale=english).count() == 1
    assert stored_files(_private_storage) == files  # no second file
    assert len(files) == 1
    assert files[0].name == "v2-en.pdf"
    assert verified_content(again) == verified_content(first)


def test_the_recorded_hash_and_size_are_those_of_the_stored_bytes(demo_policies, _private_storage):
    archive = archive_for(version(demo_policies, 2), locale("en"))

    stored = (_private_storage / archive.file.name).read_bytes()
    assert stored.startswith(b"%PDF-")
    assert archive.sha256 == hashlib.sha256(stored).hexdigest()
    assert archive.size == len(stored)
    assert archive.generated_at is not None
    assert archive.file.name.startswith("policy-archives/")


def test_a_racing_second_generation_keeps_the_first_archive_and_no_second_file(
    demo_policies, _private_storage, monkeypatch
):
    v2, english = version(demo_policies, 2), locale("en")
    first = archive_for(v2, english)
    # Another request that looked before the first one stored its archive.
    looked = iter([None])
    real_lookup = archive_module._stored
    monkeypatch.setattr(
        archive_module, "_stored", lambda *args: next(looked, None) or real_lookup(*args)
    )

    second = archive_for(v2, english)

    assert second.pk == first.pk
    assert second.sha256 == first.sha256
    assert stored_files(_private_storage) == [_private_storage / first.file.name]


# --- what the PDF says ------------------------------------------------------------------


def test_the_pdf_shows_the_text_version_dates_hash_and_approval_trail(demo_policies):
    v2, v3 = version(demo_policies, 2), version(demo_policies, 3)
    source = PolicyVersionText.objects.get(version=v2, locale__language_code="en")

    text = archive_text(archive_for(v2, locale("en")))

    assert source.title in text
    # Placeholders read this version's values, as on the page (prose.py).
    assert "{window_days}" in source.summary + str(source.clauses)
    assert render_text(source.summary, v2.rules, "en") in text
    assert "{window_days}" not in text
    for clause in source.clauses:
        assert f"§{clause['anchor']} {clause['heading']}" in text
    assert "Version\n2" in text
    assert f"Effective from\n{when(v2.effective_from, 'en')}" in text
    assert f"Effective until\n{when(v3.effective_from, 'en')}" in text  # the next version's start
    assert v2.hash in text
    assert v2.previous_hash in text
    assert "Approved by\nLouis Legal" in text
    assert "Submitted by\nEmma Editor" in text
    assert "Demo data: checked against the rules." in text  # the approval comment
    assert v2.change_reason in text
    assert f"Published at\n{when(v2.published_at, 'en')}" in text
    assert "Return window" in text  # the rules at a glance
    assert "This version has no text in this language" not in text
    assert "Page 1 of " in text


def test_the_latest_version_says_no_later_version_existed_when_the_copy_was_made(demo_policies):
    text = archive_text(archive_for(version(demo_policies, 3), locale("en")))

    assert "Effective until\nNo later version when this copy was made" in text


def test_the_french_archive_is_the_french_text_with_french_labels_and_dates(demo_policies):
    v2 = version(demo_policies, 2)
    french = PolicyVersionText.objects.get(version=v2, locale__language_code="fr")

    text = archive_text(archive_for(v2, locale("fr")))

    assert french.title in text
    assert french.clauses[0]["heading"] in text
    assert f"En vigueur à partir du\n{when(v2.effective_from, 'fr')}" in text
    assert "Approuvée par\nLouis Legal" in text
    assert v2.hash in text
    assert "Page 1 sur " in text
    assert "texte original" not in text


def test_a_language_without_text_gets_the_original_text_with_a_visible_note(demo_policies):
    v2 = version(demo_policies, 2)  # no German text
    assert not PolicyVersionText.objects.filter(version=v2, locale__language_code="de").exists()
    english = PolicyVersionText.objects.get(version=v2, locale__language_code="en")

    german = archive_for(v2, locale("de"))
    text = archive_text(german)

    assert german.locale.language_code == "de"
    assert "Diese Version hat keinen Text in dieser Sprache" in text
    assert "(English)" in text
    assert english.title in text
    assert f"Gültig ab\n{when(v2.effective_from, 'de')}" in text
    assert "Genehmigt von\nLouis Legal" in text


# --- public downloads --------------------------------------------------------------------


def test_the_versions_page_links_each_version_to_its_pdf(client, demo_policies):
    response = client.get(POLICY_URL + "versions/")

    html = response.content.decode()
    for number in (1, 2, 3):
        assert f'href="{POLICY_URL}v/{number}/pdf/"' in html
    assert 'aria-label="Download version 2 as PDF"' in html
    permalink = client.get(POLICY_URL + "v/1/").content.decode()
    assert f'href="{POLICY_URL}v/1/pdf/"' in permalink


def test_the_public_download_is_the_stored_pdf_named_after_policy_version_and_language(
    client, demo_policies
):
    response = client.get(POLICY_URL + "v/2/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="return-policy-v2-en.pdf"'
    stored = PolicyVersionArchive.objects.get(version=version(demo_policies, 2))
    assert response.content == verified_content(stored)


def test_a_translated_page_serves_the_archive_in_its_language(client, demo_policies):
    response = client.get("/fr" + POLICY_URL + "v/2/pdf/")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="return-policy-v2-fr.pdf"'
    archive = PolicyVersionArchive.objects.get(version=version(demo_policies, 2))
    assert archive.locale.language_code == "fr"
    assert "Approuvée par" in pdf_text(response.content)


def test_an_unknown_version_is_a_404(client, demo_policies):
    assert client.get(POLICY_URL + "v/99/pdf/").status_code == 404
    assert not PolicyVersionArchive.objects.exists()


def test_a_tampered_stored_file_is_refused_with_a_clear_page(
    client, demo_policies, _private_storage
):
    archive = archive_for(version(demo_policies, 2), locale("en"))
    path = _private_storage / archive.file.name
    altered = bytearray(path.read_bytes())
    altered[len(altered) // 2] ^= 0x01  # one bit, same size: only the hash tells
    path.write_bytes(bytes(altered))

    response = client.get(POLICY_URL + "v/2/pdf/")

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "no longer matches the fingerprint" in response.content.decode()
    with pytest.raises(ArchiveUnavailable):
        verified_content(archive)


def test_a_missing_stored_file_is_refused(client, demo_policies, _private_storage):
    archive = archive_for(version(demo_policies, 2), locale("en"))
    (_private_storage / archive.file.name).unlink()

    assert client.get(POLICY_URL + "v/2/pdf/").status_code == 503


def test_a_version_that_fails_its_hash_check_is_not_archived(demo_policies):
    tamper_version(demo_policies, 2, "change_reason = %s", ["rewritten"])
    v2 = version(demo_policies, 2)

    with pytest.raises(ArchiveUnavailable):
        archive_for(v2, locale("en"))
    assert not PolicyVersionArchive.objects.exists()


# --- the audit's downloads -----------------------------------------------------------


def admin_url(version_pk, language):
    return reverse(DOWNLOAD_URL_NAME, args=[version_pk, language])


def test_the_audit_report_links_every_version_to_its_pdf_per_language(client, demo_policies):
    client.force_login(StaffUserFactory(with_totp=True, is_superuser=True))
    v2 = version(demo_policies, 2)

    html = client.get("/admin/reports/policy-versions/").content.decode()

    for code in ("en", "fr", "de"):
        assert f'href="{admin_url(v2.pk, code)}"' in html
    assert html.count('<td data-audit="archive">') == PolicyVersion.objects.count()


def test_an_auditor_downloads_the_pdf_in_the_language_chosen(client, demo_policies):
    auditor = StaffUserFactory(with_totp=True)
    auditor.groups.add(Group.objects.get(name="Legal approvers"))  # may read the audit
    client.force_login(auditor)
    v1 = version(demo_policies, 1)

    response = client.get(admin_url(v1.pk, "de"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="return-policy-v1-de.pdf"'
    german = PolicyVersionText.objects.get(version=v1, locale__language_code="de")
    assert german.title in pdf_text(response.content)
    assert client.get(admin_url(v1.pk, "xx")).status_code == 404
    assert client.get(admin_url(PolicyVersion.objects.count() + 999, "en")).status_code == 404


def test_staff_who_may_not_read_the_audit_are_refused_the_download(client, demo_policies):
    returns_staff = StaffUserFactory(with_totp=True)
    returns_staff.groups.add(Group.objects.get_or_create(name="Returns staff")[0])
    client.force_login(returns_staff)

    response = client.get(admin_url(version(demo_policies, 2).pk, "en"))

    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    assert not PolicyVersionArchive.objects.exists()
    client.logout()
    assert client.get(admin_url(version(demo_policies, 2).pk, "en")).status_code == 302


def test_the_audit_download_refuses_a_tampered_file(client, demo_policies, _private_storage):
    client.force_login(StaffUserFactory(with_totp=True, is_superuser=True))
    archive = archive_for(version(demo_policies, 2), locale("fr"))
    (_private_storage / archive.file.name).write_bytes(b"%PDF-1.3 not the archive")

    response = client.get(admin_url(archive.version_id, "fr"))

    assert response.status_code == 503
    assert "no longer matches the SHA-256 recorded" in response.content.decode()


# --- append-only --------------------------------------------------------------------------


def test_an_archive_row_cannot_be_changed_or_deleted(demo_policies):
    archive = archive_for(version(demo_policies, 2), locale("en"))

    archive.sha256 = "0" * 64
    with pytest.raises(ImmutableRecordError):
        archive.save()
    with pytest.raises(ImmutableRecordError):
        archive.delete()
    with pytest.raises(ImmutableRecordError):
        PolicyVersionArchive.objects.filter(pk=archive.pk).update(sha256="0" * 64)
    # Nor behind the model's back: the database refuses it too (migration 0009).
    for statement in (
        "UPDATE policy_pages_policyversionarchive SET sha256 = %s WHERE id = %s",
        "DELETE FROM policy_pages_policyversionarchive WHERE id = %s AND sha256 <> %s",
    ):
        params = ["0" * 64, archive.pk] if statement.startswith("UPDATE") else [archive.pk, ""]
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, params)
    assert PolicyVersionArchive.objects.get(pk=archive.pk).sha256 != "0" * 64


def test_a_download_after_the_first_reads_the_stored_archive_in_a_few_queries(
    client, demo_policies, django_assert_max_num_queries
):
    assert client.get(POLICY_URL + "v/2/pdf/").status_code == 200  # generates and stores

    # Wagtail's routing takes ten; then the version, the locale and the stored row
    # (generating again would read texts, rules, users and the timeline).
    with django_assert_max_num_queries(14):
        response = client.get(POLICY_URL + "v/2/pdf/")

    assert response.status_code == 200
    assert PolicyVersionArchive.objects.count() == 1
