"""Demo policy text in English, with French and German translations.

Three versions of the marketplace return policy (past, in force, scheduled)
and a seller's own policy. Version 2 deliberately has no German text, so the
site shows its fallback notice.

Rule values are written as placeholders ({window_days}, {fee:prepaid_label}…,
prose.py): each version reads its own rules' values, in the reader's format.
Only the statutory 14 days are typed, since no rule of the policy sets them.
"""

from decimal import Decimal

EU_DEMO_MARKETS = ["AT", "BE", "DE", "ES", "FR", "IT", "LU", "NL"]


def clause(anchor: str, heading: str, text: str) -> dict:
    return {
        "type": "clause",
        "value": {"anchor": anchor, "heading": heading, "text": f"<p>{text}</p>"},
    }


SCOPE = (
    "This policy applies to items sold on the marketplace by professional sellers and "
    "delivered in the countries listed on this page."
)
WINDOW = (
    "You can return most items within {window_days} days of delivery, for any reason. The day "
    "of delivery is not counted; if the last day is a weekend or public holiday, you have until "
    "the end of the next working day."
)
STATUTORY = (
    "Whatever this policy says, you keep the statutory 14-day right of withdrawal, counted from "
    "the delivery of the last item of your order."
)
EXCEPTIONS = "These items cannot be returned: {excluded_items}. This is judged item by item."
CONDITIONS = (
    "Return items unused, with their tags, in their original packaging and with all accessories."
)
REFUND_ONLY = "We refund the price to your original means of payment."
REFUND_CHOICE = (
    "Choose a refund to your original means of payment, an exchange for another size or colour, "
    "or store credit with a {store_credit_bonus} bonus."
)
SHIPPING_V1 = (
    "Drop off your parcel at a partner point with a QR code ({fee:drop_off} for a change of "
    "mind) or print a prepaid label ({fee:prepaid_label}). Returns of defective or wrong items "
    "are always free."
)
SHIPPING_V3 = (
    "Drop off your parcel at a partner point with a QR code, free of charge, or print a prepaid "
    "label ({fee:prepaid_label} for a change of mind). Returns of defective or wrong items are "
    "always free."
)
# The seller's policy also lets the buyer send the parcel with a carrier of their
# choice, paying it themselves (issue 13: the own-carrier option).
SHIPPING_SELLER = (
    "Drop off your parcel at a partner point with a QR code, free of charge, print a prepaid "
    "label ({fee:prepaid_label} for a change of mind), or send it with the carrier of your "
    "choice at your own cost. Returns of defective or wrong items are free with the QR code "
    "or the label."
)
# The seller's hand-blown glass rarely survives a second journey (issue 13: keep-it rules).
KEEP_IT_SELLER = (
    "If an item arrives damaged and is worth {keep_it_value} or less, keep it: we refund it in "
    "full without a return. Store credit is valid for {store_credit_months} months."
)
FEES = (
    "We charge no restocking fee. If an item was handled beyond what is needed to check it, we "
    "may deduct its loss of value."
)
DEADLINES = (
    "We approve your return within {approval_business_days} business days. Send the item back "
    "within {ship_back_days} days of approval. We refund you within {refund_days} days of your "
    "withdrawal notice."
)
SUMMARY_V1 = "Returns within {window_days} days of delivery, free returns of defective items."
SUMMARY_V3 = "Returns within {window_days} days of delivery, free drop-off returns."
SELLER_SUMMARY = "Atelier Lumière accepts returns within {window_days} days of delivery."
BUTTON = (
    "You can withdraw online with the “Withdraw from contract here” button in your account, "
    "then confirm. We acknowledge your withdrawal by email with its content, date and time."
)

HEADINGS = {
    "Scope": ("Champ d'application", "Geltungsbereich"),
    "Return window": ("Délai de retour", "Rückgabefrist"),
    "Statutory right of withdrawal": ("Droit légal de rétractation", "Gesetzliches Widerrufsrecht"),
    "Items that cannot be returned": ("Articles non retournables", "Nicht rückgabefähige Artikel"),
    "Condition of items": ("État des articles", "Zustand der Artikel"),
    "Refunds, exchanges and store credit": (
        "Remboursements, échanges et avoirs",
        "Erstattung, Umtausch und Guthaben",
    ),
    "Return shipping": ("Frais de retour", "Rückversand"),
    "Fees and deductions": ("Frais et déductions", "Gebühren und Abzüge"),
    "Deadlines": ("Délais", "Fristen"),
    "Withdrawal button": ("Bouton de rétractation", "Widerrufsbutton"),
    "Damaged on arrival": ("Article arrivé endommagé", "Beschädigt angekommen"),
}

TEXTS = {
    "Return policy": ("Politique de retour", "Rückgaberichtlinie"),
    SUMMARY_V1: (
        "Retours sous {window_days} jours après la livraison, retour gratuit des articles "
        "défectueux.",
        "Rückgabe innerhalb von {window_days} Tagen nach Lieferung, kostenloser Rückversand "
        "defekter Artikel.",
    ),
    SUMMARY_V3: (
        "Retours sous {window_days} jours après la livraison, dépôt en point relais gratuit.",
        "Rückgabe innerhalb von {window_days} Tagen nach Lieferung, kostenlose Abgabe an einer "
        "Annahmestelle.",
    ),
    SCOPE: (
        "Cette politique s'applique aux articles vendus sur la place de marché par des vendeurs "
        "professionnels et livrés dans les pays indiqués sur cette page.",
        "Diese Richtlinie gilt für Artikel, die auf dem Marktplatz von gewerblichen Verkäufern "
        "verkauft und in die auf dieser Seite genannten Länder geliefert werden.",
    ),
    WINDOW: (
        "Vous pouvez retourner la plupart des articles dans les {window_days} jours suivant la "
        "livraison, sans avoir à vous justifier. Le jour de la livraison ne compte pas ; si le "
        "dernier jour tombe un week-end ou un jour férié, vous avez jusqu'à la fin du jour "
        "ouvrable suivant.",
        "Sie können die meisten Artikel innerhalb von {window_days} Tagen nach der Lieferung "
        "ohne Angabe von Gründen zurückgeben. Der Liefertag wird nicht mitgezählt; fällt der "
        "letzte Tag auf ein Wochenende oder einen Feiertag, haben Sie bis zum Ende des nächsten "
        "Werktags Zeit.",
    ),
    STATUTORY: (
        "Quoi que dise cette politique, vous conservez le droit légal de rétractation de 14 jours, "
        "à compter de la livraison du dernier article de votre commande.",
        "Unabhängig von dieser Richtlinie behalten Sie Ihr gesetzliches 14-tägiges Widerrufsrecht "
        "ab Lieferung des letzten Artikels Ihrer Bestellung.",
    ),
    EXCEPTIONS: (
        "Ces articles ne peuvent pas être retournés : {excluded_items}. Cela s'apprécie article "
        "par article.",
        "Von der Rückgabe ausgeschlossen sind: {excluded_items}. Dies wird für jeden Artikel "
        "einzeln beurteilt.",
    ),
    CONDITIONS: (
        "Retournez les articles non utilisés, avec leurs étiquettes, dans leur emballage d'origine "
        "et avec tous leurs accessoires.",
        "Senden Sie Artikel unbenutzt, mit Etiketten, in der Originalverpackung und mit allem "
        "Zubehör zurück.",
    ),
    REFUND_ONLY: (
        "Nous remboursons le prix sur votre moyen de paiement d'origine.",
        "Wir erstatten den Preis auf Ihr ursprüngliches Zahlungsmittel.",
    ),
    REFUND_CHOICE: (
        "Choisissez un remboursement sur votre moyen de paiement d'origine, un échange contre une "
        "autre taille ou couleur, ou un avoir avec un bonus de {store_credit_bonus}.",
        "Wählen Sie eine Erstattung auf Ihr ursprüngliches Zahlungsmittel, einen Umtausch in eine "
        "andere Größe oder Farbe oder ein Guthaben mit {store_credit_bonus} Bonus.",
    ),
    SHIPPING_V1: (
        "Déposez votre colis dans un point relais partenaire avec un QR code ({fee:drop_off} pour "
        "un changement d'avis) ou imprimez une étiquette prépayée ({fee:prepaid_label}). Le "
        "retour des articles défectueux ou erronés est toujours gratuit.",
        "Geben Sie Ihr Paket mit einem QR-Code an einer Partner-Annahmestelle ab ({fee:drop_off} "
        "bei Nichtgefallen) oder drucken Sie ein vorfrankiertes Etikett ({fee:prepaid_label}). "
        "Die Rücksendung defekter oder falscher Artikel ist immer kostenlos.",
    ),
    SHIPPING_V3: (
        "Déposez gratuitement votre colis dans un point relais partenaire avec un QR code, ou "
        "imprimez une étiquette prépayée ({fee:prepaid_label} pour un changement d'avis). Le "
        "retour des articles défectueux ou erronés est toujours gratuit.",
        "Geben Sie Ihr Paket kostenlos mit einem QR-Code an einer Partner-Annahmestelle ab oder "
        "drucken Sie ein vorfrankiertes Etikett ({fee:prepaid_label} bei Nichtgefallen). Die "
        "Rücksendung defekter oder falscher Artikel ist immer kostenlos.",
    ),
    SHIPPING_SELLER: (
        "Déposez gratuitement votre colis dans un point relais partenaire avec un QR code, "
        "imprimez une étiquette prépayée ({fee:prepaid_label} pour un changement d'avis) ou "
        "envoyez-le avec le transporteur de votre choix, à vos frais. Le retour des articles "
        "défectueux ou erronés est gratuit avec le QR code ou l'étiquette.",
        "Geben Sie Ihr Paket kostenlos mit einem QR-Code an einer Partner-Annahmestelle ab, "
        "drucken Sie ein vorfrankiertes Etikett ({fee:prepaid_label} bei Nichtgefallen) oder "
        "senden Sie es auf eigene Kosten mit einem Versanddienst Ihrer Wahl. Die Rücksendung "
        "defekter oder falscher Artikel ist mit dem QR-Code oder dem Etikett kostenlos.",
    ),
    KEEP_IT_SELLER: (
        "Si un article arrive endommagé et vaut {keep_it_value} ou moins, gardez-le : nous le "
        "remboursons intégralement sans retour. L'avoir est valable {store_credit_months} mois.",
        "Kommt ein Artikel beschädigt an und ist er höchstens {keep_it_value} wert, behalten Sie "
        "ihn: Wir erstatten ihn vollständig ohne Rücksendung. Guthaben ist "
        "{store_credit_months} Monate gültig.",
    ),
    FEES: (
        "Nous ne facturons aucuns frais de remise en stock. Si un article a été manipulé au-delà "
        "de ce qui est nécessaire pour l'examiner, nous pouvons déduire sa perte de valeur.",
        "Wir berechnen keine Wiedereinlagerungsgebühr. Wurde ein Artikel über die Prüfung hinaus "
        "benutzt, können wir den Wertverlust abziehen.",
    ),
    DEADLINES: (
        "Nous validons votre retour sous {approval_business_days} jours ouvrés. Renvoyez "
        "l'article dans les {ship_back_days} jours suivant la validation. Nous vous remboursons "
        "dans les {refund_days} jours suivant votre rétractation.",
        "Wir genehmigen Ihre Rücksendung innerhalb von {approval_business_days} Werktagen. "
        "Senden Sie den Artikel innerhalb von {ship_back_days} Tagen nach der Genehmigung "
        "zurück. Wir erstatten innerhalb von {refund_days} Tagen nach Ihrem Widerruf.",
    ),
    BUTTON: (
        "Vous pouvez vous rétracter en ligne avec le bouton « Renoncer au contrat ici » dans votre "
        "compte, puis confirmer. Nous accusons réception de votre rétractation par e-mail, avec "
        "son contenu, sa date et son heure.",
        "Sie können online mit der Schaltfläche „Vertrag hier widerrufen“ in Ihrem Konto "
        "widerrufen und dann bestätigen. Wir bestätigen Ihren Widerruf per E-Mail mit Inhalt, "
        "Datum und Uhrzeit.",
    ),
    "Atelier Lumière return policy": (
        "Politique de retour d'Atelier Lumière",
        "Rückgaberichtlinie von Atelier Lumière",
    ),
    SELLER_SUMMARY: (
        "Atelier Lumière accepte les retours dans les {window_days} jours suivant la livraison.",
        "Atelier Lumière akzeptiert Rücksendungen innerhalb von {window_days} Tagen nach der "
        "Lieferung.",
    ),
    "Policies": ("Politiques", "Richtlinien"),
    "Every policy that governs your orders, with all its versions.": (
        "Toutes les politiques qui s'appliquent à vos commandes, avec toutes leurs versions.",
        "Alle Richtlinien, die für Ihre Bestellungen gelten, mit allen Versionen.",
    ),
}


def strings_for(language: str) -> dict[str, str]:
    index = {"fr": 0, "de": 1}[language]
    table = {source: pair[index] for source, pair in TEXTS.items()}
    table.update({source: pair[index] for source, pair in HEADINGS.items()})
    return table


def shipping(method, fee, clause_anchor="6"):
    return {
        "method": method,
        "fee": Decimal(fee),
        "change_of_mind_payer": "buyer" if Decimal(fee) else "merchant",
        "defect_payer": "merchant",
        "clause": clause_anchor,
    }


def own_carrier(clause_anchor="6"):
    """The buyer's own carrier: nothing to pay us, the carrier at the buyer's cost."""
    return {
        "method": "own_carrier",
        "fee": Decimal("0"),
        "change_of_mind_payer": "buyer",
        "defect_payer": "merchant",
        "clause": clause_anchor,
    }


BASE_RULES = {
    "kind": "return",
    "markets": EU_DEMO_MARKETS,
    "currency": "EUR",
    "window_start": "delivery",
    "window_clause": "2",
    "exceptions_clause": "3",
    "require_original_packaging": True,
    "require_tags": True,
    "require_accessories": True,
    "require_unused": True,
    "conditions_clause": "4",
    "resolutions_clause": "5",
    "restocking_fee_percent": Decimal("0"),
    "diminished_value_deduction": True,
    "money_clause": "7",
    "approval_business_days": 2,
    "ship_back_days": 14,
    "refund_days": 14,
    "deadlines_clause": "8",
}

COMMON_CLAUSES = [
    clause("1", "Scope", SCOPE),
    None,  # the window clause, per version
    clause("2.1", "Statutory right of withdrawal", STATUTORY),
    clause("3", "Items that cannot be returned", EXCEPTIONS),
    clause("4", "Condition of items", CONDITIONS),
]


def _clauses(window, resolutions, shipping_text, button=False, keep_it=None):
    clauses = [c for c in COMMON_CLAUSES if c]
    clauses.insert(1, clause("2", "Return window", window))
    clauses += [
        clause("5", "Refunds, exchanges and store credit", resolutions),
        *([keep_it] if keep_it else []),
        clause("6", "Return shipping", shipping_text),
        clause("7", "Fees and deductions", FEES),
        clause("8", "Deadlines", DEADLINES),
    ]
    if button:
        clauses.append(clause("9", "Withdrawal button", BUTTON))
    return clauses


MARKETPLACE_VERSIONS = [
    {
        "summary": SUMMARY_V1,
        "window_days": 30,
        "offer_exchange": False,
        "offer_store_credit": False,
        "store_credit_bonus_percent": Decimal("0"),
        "clauses": _clauses(WINDOW, REFUND_ONLY, SHIPPING_V1),
        "shipping": [shipping("drop_off", "3.90"), shipping("prepaid_label", "5.90")],
        "languages": ["fr", "de"],
        "days_from_now": -300,
    },
    {
        "summary": SUMMARY_V1,
        "window_days": 30,
        "offer_exchange": True,
        "offer_store_credit": True,
        "store_credit_bonus_percent": Decimal("10"),
        "clauses": _clauses(WINDOW, REFUND_CHOICE, SHIPPING_V1, button=True),
        "shipping": [shipping("drop_off", "3.90"), shipping("prepaid_label", "5.90")],
        "languages": ["fr"],  # no German text for this version
        "days_from_now": -120,
    },
    {
        "summary": SUMMARY_V3,
        "window_days": 45,
        "offer_exchange": True,
        "offer_store_credit": True,
        "store_credit_bonus_percent": Decimal("10"),
        "clauses": _clauses(WINDOW, REFUND_CHOICE, SHIPPING_V3, button=True),
        "shipping": [shipping("drop_off", "0"), shipping("prepaid_label", "4.90")],
        "languages": ["fr", "de"],
        "days_from_now": 36,
    },
]

SELLER_POLICY = {
    "title": "Atelier Lumière return policy",
    "slug": "atelier-lumiere-returns",
    "seller_ref": "atelier-lumiere",
    "markets": ["BE", "FR"],
    "summary": SELLER_SUMMARY,
    "window_days": 60,
    "offer_exchange": True,
    "offer_store_credit": True,
    "store_credit_bonus_percent": Decimal("10"),
    "clauses": _clauses(
        WINDOW,
        REFUND_CHOICE,
        SHIPPING_SELLER,
        keep_it=clause("5.1", "Damaged on arrival", KEEP_IT_SELLER),
    ),
    "keep_it": [{"reason_codes": "arrived-damaged", "max_value": Decimal("250"), "clause": "5.1"}],
    "store_credit_validity_months": 24,
    "shipping": [
        shipping("drop_off", "0"),
        shipping("prepaid_label", "4.90"),
        own_carrier(),
    ],
    "days_from_now": -200,
}
