"""My store credit: the balance per currency and every movement of it.

Credit is kept per email address (store_credit.models): the page reads the
signed-in buyer's verified addresses and those of the orders linked to them,
the same addresses their orders reach them by, never another's.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET

from marketplace.models import Order
from store_credit import ledger

HISTORY_LIMIT = 200


def buyer_emails(user) -> set[str]:
    verified = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    ordered = Order.objects.filter(buyer=user).values_list("buyer_email", flat=True).distinct()
    return {ledger.buyer_key(email) for email in [*verified, *ordered]}


@login_required
@require_GET
def credit(request):
    emails = buyer_emails(request.user)
    entries = [
        {
            "entry": entry,
            "date": date_format(timezone.localtime(entry.created_at), "DATE_FORMAT"),
            "expires": (
                date_format(timezone.localtime(entry.expires_at), "DATE_FORMAT")
                if entry.expires_at
                else ""
            ),
        }
        for entry in ledger.history(emails)[:HISTORY_LIMIT]
    ]
    return render(
        request,
        "return_portal/credit.html",
        {"balances": list(ledger.balances(emails).items()), "entries": entries},
    )
