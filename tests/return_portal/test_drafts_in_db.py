"""Drafts belong to the buyer, not the session: a started return is kept in the
database under the buyer's account, so it survives signing out and in again (or
another browser), never opens for another buyer, expires after RETURN_DRAFT_DAYS
and is swept, keeps its photos while it lives, and still confirms once."""

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.privacy import delete_account
from return_portal import draft as drafts
from return_portal.models import ReturnDraft, ReturnPhoto, ReturnRequest
from return_portal.photos import purge_abandoned
from return_portal.tasks import sweep_returns
from return_portal.views import wizard
from tests.return_portal import test_photos as photo_tests
from tests.return_portal import test_wizard as wizard_tests
from tests.return_portal.test_wizard import HTMX, STEP_DATA, draft_id, start, step_url, text, walk

order = wizard_tests.order
signed_in = wizard_tests.signed_in
english = wizard_tests.english  # autouse
private_storage = photo_tests.private_storage  # autouse: photos in a temporary folder
jpeg, upload = photo_tests.jpeg, photo_tests.upload


def sign_out_and_in(client, buyer):
    client.post(reverse("account_logout"))
    client.cookies.clear()  # a new session, as in another browser
    client.force_login(buyer)


def test_a_draft_survives_signing_out_and_in_again_and_keeps_its_answers(signed_in, order, buyer):
    items_url = start(signed_in, order)
    walk(signed_in, items_url, upto="resolution")
    session_before = signed_in.session.session_key

    sign_out_and_in(signed_in, buyer)

    assert signed_in.session.session_key != session_before
    reason = signed_in.get(step_url(items_url, "reason"))
    assert reason.status_code == 200
    assert 'value="too-small" id="reason-too-small" checked' in text(reason)
    assert "Runs small." in text(reason)
    walk(signed_in, items_url)  # the rest of the steps, in the new session
    confirmed = signed_in.post(reverse("return_portal:confirm", args=[draft_id(items_url)]))
    created = ReturnRequest.objects.get()
    assert confirmed["Location"] == reverse("return_portal:detail", args=[created.public_id])
    assert created.idempotency_key == draft_id(items_url).hex
    assert not ReturnDraft.objects.exists()  # confirmed: the draft is gone


def test_the_draft_row_is_the_buyers_and_the_orders(signed_in, order, buyer):
    items_url = start(signed_in, order)
    signed_in.post(step_url(items_url, "items"), STEP_DATA["items"])

    record = ReturnDraft.objects.get()

    assert record.public_id == draft_id(items_url)
    assert record.buyer == buyer and record.order == order
    assert record.data["quantities"] == {"A": 1}
    assert "order_id" not in record.data and "key" not in record.data
    assert record.expires_at > timezone.now() + timedelta(days=drafts.DRAFT_DAYS - 1)


def test_another_buyer_finds_nothing_under_the_draft_id(client, signed_in, order, other_buyer):
    items_url = start(signed_in, order)
    walk(signed_in, items_url)
    client.force_login(other_buyer)
    draft = draft_id(items_url)

    assert client.get(items_url).status_code == 404
    assert client.post(step_url(items_url, "items"), STEP_DATA["items"]).status_code == 404
    assert client.post(reverse("return_portal:confirm", args=[draft])).status_code == 404
    photo_url = reverse("return_portal:photo_upload", args=[draft])
    assert client.post(photo_url, {"photos": [jpeg()]}).status_code == 404
    assert not ReturnRequest.objects.exists()
    assert ReturnDraft.objects.get().data["quantities"] == {"A": 1}  # untouched


def test_an_expired_draft_is_not_found_and_the_sweep_deletes_it(signed_in, order):
    items_url = start(signed_in, order)
    ReturnDraft.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert signed_in.get(items_url).status_code == 404
    assert (
        signed_in.post(reverse("return_portal:confirm", args=[draft_id(items_url)])).status_code
        == 404
    )

    outcome = sweep_returns()

    assert outcome["drafts_purged"] == 1
    assert not ReturnDraft.objects.exists()


def test_saving_a_step_moves_the_expiry_forward(signed_in, order):
    items_url = start(signed_in, order)
    soon = timezone.now() + timedelta(hours=1)
    ReturnDraft.objects.update(expires_at=soon)

    signed_in.post(step_url(items_url, "items"), STEP_DATA["items"])

    assert ReturnDraft.objects.get().expires_at > soon + timedelta(days=drafts.DRAFT_DAYS - 1)


def test_photos_stay_with_their_draft_across_sessions_and_while_it_lives(
    signed_in, order, buyer, settings
):
    items_url = start(signed_in, order)
    walk(signed_in, items_url, upto="reason")
    assert upload(signed_in, items_url, jpeg("seam.jpg"), **HTMX).status_code == 200

    sign_out_and_in(signed_in, buyer)

    assert "seam.jpg" in text(signed_in.get(step_url(items_url, "reason")))
    photo = ReturnPhoto.objects.get()
    assert photo.draft == draft_id(items_url) and photo.buyer == buyer
    # Older than the photos' grace period, but the draft lives: kept.
    ReturnPhoto.objects.update(
        created_at=timezone.now() - timedelta(days=settings.RETURN_DRAFT_PHOTO_DAYS + 1)
    )
    assert purge_abandoned(timezone.now()) == 0
    # Once the draft expired, they go with it.
    ReturnDraft.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert sweep_returns()["photos_purged"] == 1
    assert not ReturnPhoto.objects.exists()


def test_photos_of_a_draft_are_attached_to_its_return(signed_in, order):
    items_url = start(signed_in, order)
    walk(signed_in, items_url, upto="reason")
    upload(signed_in, items_url, jpeg(), **HTMX)
    walk(signed_in, items_url)

    signed_in.post(reverse("return_portal:confirm", args=[draft_id(items_url)]))

    assert ReturnPhoto.objects.get().return_request == ReturnRequest.objects.get()


def test_a_confirm_racing_another_still_creates_one_return(signed_in, order, buyer):
    # Two submits of the confirm step: the second read the draft before the first
    # deleted it. The draft id is the idempotency key, so it finds the same return.
    items_url = start(signed_in, order)
    walk(signed_in, items_url)
    confirm_url = reverse("return_portal:confirm", args=[draft_id(items_url)])
    stale = drafts.load_draft(buyer, draft_id(items_url))

    first = signed_in.post(confirm_url)
    with mock.patch.object(wizard, "load_draft", return_value=stale):
        racing = signed_in.post(confirm_url, **HTMX)
    replay = signed_in.post(confirm_url)

    detail = reverse("return_portal:detail", args=[ReturnRequest.objects.get().public_id])
    assert ReturnRequest.objects.count() == 1
    assert first["Location"] == replay["Location"] == racing["HX-Redirect"] == detail


def test_the_orders_page_offers_to_continue_the_draft(
    signed_in, order, buyer, django_assert_max_num_queries
):
    orders_url = reverse("return_portal:orders")
    assert "Continue your draft" not in text(signed_in.get(orders_url))
    items_url = start(signed_in, order)

    with django_assert_max_num_queries(14):
        page = text(signed_in.get(orders_url))

    assert "Continue your draft" in page and f'href="{items_url}"' in page
    walk(signed_in, items_url)
    signed_in.post(reverse("return_portal:confirm", args=[draft_id(items_url)]))
    assert "Continue your draft" not in text(signed_in.get(orders_url))


def test_an_expired_draft_is_not_offered(signed_in, order):
    start(signed_in, order)
    ReturnDraft.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert "Continue your draft" not in text(signed_in.get(reverse("return_portal:orders")))


def test_deleting_the_account_deletes_its_drafts(signed_in, order, buyer):
    start(signed_in, order)

    delete_account(buyer)

    assert not ReturnDraft.objects.exists()


@pytest.mark.parametrize("bad", ["not-a-uuid", "0" * 40])
def test_a_malformed_draft_id_is_not_found(signed_in, order, bad):
    assert signed_in.get(f"/returns/drafts/{bad}/items/").status_code == 404
