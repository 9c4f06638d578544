# ruff: noqa: E501  (demo prose: one sentence per line reads and translates best)
"""Demo help center content: five categories, 21 articles in English and
French, about half of them in German (the rest show the fallback notice).

Each text is a tuple (English, French[, German]). Articles cite clauses of
the demo return policy ("return-policy") by number; the clause text itself
is always read from the version in force.
"""

HELP_CENTER = {
    "title": ("Help center", "Centre d'aide", "Hilfe-Center"),
    "intro": (
        "Answers about returns, refunds and exchanges, in your language.",
        "Des réponses sur les retours, les remboursements et les échanges, dans votre langue.",
        "Antworten zu Rücksendungen, Erstattungen und Umtausch – in Ihrer Sprache.",
    ),
}


def text(*versions):
    return ("text", versions)


def steps(intro, *items):
    return ("steps", intro, items)


def callout(kind, *versions):
    return ("callout", kind, versions)


def clause(anchor):
    return ("clause", anchor)


def image(key, alt, caption):
    """An image of demo_images (by key), its alternative text and caption."""
    return ("image", key, alt, caption)


CATEGORIES = [
    {
        "slug": "starting-a-return",
        "title": ("Starting a return", "Faire un retour", "Eine Rücksendung starten"),
        "description": (
            "How to return an item, what can be returned and until when.",
            "Comment retourner un article, ce qui peut être retourné et jusqu'à quand.",
            "Wie Sie einen Artikel zurücksenden, was zurückgegeben werden kann und bis wann.",
        ),
        "articles": [
            {
                "slug": "how-to-start-a-return",
                "title": (
                    "How to start a return",
                    "Comment faire un retour",
                    "So starten Sie eine Rücksendung",
                ),
                "summary": (
                    "Start a return from your orders in a few steps; you get a shipping label or a QR code at the end.",
                    "Lancez un retour depuis vos commandes en quelques étapes ; vous obtenez une étiquette ou un QR code à la fin.",
                    "Starten Sie eine Rücksendung in wenigen Schritten über Ihre Bestellungen; am Ende erhalten Sie ein Etikett oder einen QR-Code.",
                ),
                "body": [
                    steps(
                        (
                            "To start a return:",
                            "Pour faire un retour :",
                            "So starten Sie eine Rücksendung:",
                        ),
                        (
                            "Sign in and open My returns.",
                            "Connectez-vous et ouvrez Mes retours.",
                            "Melden Sie sich an und öffnen Sie Meine Rücksendungen.",
                        ),
                        (
                            "Choose the order, then the items you want to return.",
                            "Choisissez la commande, puis les articles à retourner.",
                            "Wählen Sie die Bestellung und dann die Artikel, die Sie zurücksenden möchten.",
                        ),
                        (
                            "Tell us why, and choose a refund, an exchange or store credit.",
                            "Indiquez le motif, puis choisissez un remboursement, un échange ou un avoir.",
                            "Geben Sie den Grund an und wählen Sie Erstattung, Umtausch oder Guthaben.",
                        ),
                        (
                            "Choose how to send the parcel and confirm.",
                            "Choisissez le mode d'envoi du colis et confirmez.",
                            "Wählen Sie die Versandart und bestätigen Sie.",
                        ),
                    ),
                    image(
                        "return-label",
                        (
                            "A parcel with the return label stuck on its largest side and the old label crossed out. The return label shows a return arrow, the address, a QR code and a barcode.",
                            "Un colis avec l'étiquette de retour collée sur sa plus grande face et l'ancienne étiquette barrée. L'étiquette de retour porte une flèche de retour, l'adresse, un QR code et un code-barres.",
                            "Ein Paket mit dem Rücksendeetikett auf der größten Seite und dem durchgestrichenen alten Etikett. Das Rücksendeetikett zeigt einen Rückpfeil, die Adresse, einen QR-Code und einen Barcode.",
                        ),
                        (
                            "Stick the return label on the largest side of the parcel and cover any old label.",
                            "Collez l'étiquette de retour sur la plus grande face du colis et masquez toute ancienne étiquette.",
                            "Kleben Sie das Rücksendeetikett auf die größte Seite des Pakets und überdecken Sie alte Etiketten.",
                        ),
                    ),
                    text(
                        "You can return most items within the return window of the policy that applied when you bought them:",
                        "Vous pouvez retourner la plupart des articles dans le délai prévu par la politique en vigueur lors de votre achat :",
                        "Die meisten Artikel können Sie innerhalb der Frist der Richtlinie zurückgeben, die beim Kauf galt:",
                    ),
                    clause("2"),
                    callout(
                        "tip",
                        "Keep the parcel receipt until your refund arrives.",
                        "Gardez le reçu de dépôt du colis jusqu'à votre remboursement.",
                        "Bewahren Sie den Einlieferungsbeleg auf, bis Ihre Erstattung eingegangen ist.",
                    ),
                ],
                "related": [
                    "non-returnable-items",
                    "return-shipping-options",
                    "when-will-i-be-refunded",
                ],
                "de": True,
            },
            {
                "slug": "non-returnable-items",
                "title": (
                    "Items that cannot be returned",
                    "Articles non retournables",
                    "Artikel, die nicht zurückgegeben werden können",
                ),
                "summary": (
                    "Custom-made items, perishable goods and some unsealed products cannot be returned.",
                    "Les articles personnalisés, les denrées périssables et certains produits descellés ne peuvent pas être retournés.",
                    "Maßanfertigungen, verderbliche Waren und einige entsiegelte Produkte sind von der Rückgabe ausgeschlossen.",
                ),
                "body": [
                    text(
                        "A few kinds of items are excluded from returns by law. We judge this item by item, never for the whole order.",
                        "Quelques types d'articles sont exclus des retours par la loi. Nous en jugeons article par article, jamais pour toute la commande.",
                        "Einige Arten von Artikeln sind gesetzlich von der Rückgabe ausgeschlossen. Wir prüfen das für jeden Artikel einzeln, nie für die ganze Bestellung.",
                    ),
                    clause("3"),
                    callout(
                        "important",
                        "A sealed item that you have not opened can still be returned.",
                        "Un article scellé que vous n'avez pas ouvert peut toujours être retourné.",
                        "Ein versiegelter Artikel, den Sie nicht geöffnet haben, kann weiterhin zurückgegeben werden.",
                    ),
                ],
                "related": ["how-to-start-a-return"],
                "de": True,
            },
            {
                "slug": "returning-part-of-an-order",
                "title": ("Returning part of an order", "Retourner une partie d'une commande"),
                "summary": (
                    "You can return some items of an order and keep the others; each item is judged on its own.",
                    "Vous pouvez retourner certains articles d'une commande et garder les autres ; chaque article est examiné séparément.",
                ),
                "body": [
                    text(
                        "When you start a return, tick only the items you want to send back. If the order arrived in several parcels, the return window of each item starts when it was delivered.",
                        "Lorsque vous lancez un retour, cochez seulement les articles à renvoyer. Si la commande est arrivée en plusieurs colis, le délai de chaque article court à partir de sa livraison.",
                    ),
                    callout(
                        "tip",
                        "You can start another return later for the rest of the order, as long as it is still within the window.",
                        "Vous pourrez lancer un autre retour plus tard pour le reste de la commande, tant que le délai n'est pas dépassé.",
                    ),
                ],
                "related": ["how-to-start-a-return"],
            },
            {
                "slug": "cancelling-a-return",
                "title": ("Cancelling a return", "Annuler un retour"),
                "summary": (
                    "You can cancel a return until the parcel is sent; the item is then yours to keep.",
                    "Vous pouvez annuler un retour tant que le colis n'est pas envoyé ; vous gardez alors l'article.",
                ),
                "body": [
                    text(
                        "Open the return and choose Cancel return. If you already paid for a label, its cost is refunded.",
                        "Ouvrez le retour et choisissez Annuler le retour. Si vous avez déjà payé une étiquette, son coût vous est remboursé.",
                    ),
                ],
                "related": ["how-to-start-a-return"],
            },
            {
                "slug": "return-deadlines",
                "title": (
                    "Return deadlines, weekends and holidays",
                    "Délais de retour, week-ends et jours fériés",
                    "Rückgabefristen, Wochenenden und Feiertage",
                ),
                "summary": (
                    "How we count your return window, and what happens when it ends on a weekend or a public holiday.",
                    "Comment nous comptons votre délai de retour, et ce qui se passe s'il se termine un week-end ou un jour férié.",
                    "Wie wir Ihre Rückgabefrist berechnen und was gilt, wenn sie an einem Wochenende oder Feiertag endet.",
                ),
                "body": [
                    text(
                        "The window starts the day after delivery. Your return page shows the exact last day for each item.",
                        "Le délai commence le lendemain de la livraison. Votre page de retour indique le dernier jour exact pour chaque article.",
                        "Die Frist beginnt am Tag nach der Lieferung. Ihre Rücksendeseite zeigt den genauen letzten Tag für jeden Artikel.",
                    ),
                    clause("2"),
                ],
                "related": ["eu-right-of-withdrawal"],
                "de": True,
                "review_days": -20,
            },
        ],
    },
    {
        "slug": "shipping-and-tracking",
        "title": ("Shipping and tracking", "Envoi et suivi", "Versand und Sendungsverfolgung"),
        "description": (
            "Return labels, drop-off points, costs and tracking your parcel.",
            "Étiquettes de retour, points relais, frais et suivi de votre colis.",
            "Rücksendeetiketten, Annahmestellen, Kosten und Sendungsverfolgung.",
        ),
        "articles": [
            {
                "slug": "return-shipping-options",
                "title": (
                    "Return shipping options and costs",
                    "Modes d'envoi et frais de retour",
                    "Rückversandoptionen und Kosten",
                ),
                "summary": (
                    "Drop off your parcel with a QR code or print a prepaid label; returns of defective items are free.",
                    "Déposez votre colis avec un QR code ou imprimez une étiquette prépayée ; le retour des articles défectueux est gratuit.",
                    "Geben Sie Ihr Paket mit QR-Code ab oder drucken Sie ein vorfrankiertes Etikett; defekte Artikel senden Sie kostenlos zurück.",
                ),
                "body": [
                    text(
                        "You choose how to send your parcel when you start the return. The costs depend on the option and on the reason for the return:",
                        "Vous choisissez le mode d'envoi en lançant le retour. Les frais dépendent de l'option et du motif du retour :",
                        "Sie wählen die Versandart beim Start der Rücksendung. Die Kosten hängen von der Option und vom Rückgabegrund ab:",
                    ),
                    clause("6"),
                ],
                "related": ["printing-your-return-label", "qr-code-drop-off"],
                "de": True,
            },
            {
                "slug": "printing-your-return-label",
                "title": ("Printing your return label", "Imprimer votre étiquette de retour"),
                "summary": (
                    "Download the prepaid label from your return page, print it and stick it on the parcel.",
                    "Téléchargez l'étiquette prépayée depuis votre page de retour, imprimez-la et collez-la sur le colis.",
                ),
                "body": [
                    steps(
                        ("To use a prepaid label:", "Pour utiliser une étiquette prépayée :"),
                        (
                            "Open your return and choose Download label.",
                            "Ouvrez votre retour et choisissez Télécharger l'étiquette.",
                        ),
                        (
                            "Print it on plain paper; colour is not needed.",
                            "Imprimez-la sur du papier ordinaire ; la couleur n'est pas nécessaire.",
                        ),
                        (
                            "Cover any old labels, then stick the new one on the largest side.",
                            "Masquez les anciennes étiquettes, puis collez la nouvelle sur la plus grande face.",
                        ),
                    ),
                    callout(
                        "tip",
                        "No printer? Choose the QR code option instead: the drop-off point prints the label for you.",
                        "Pas d'imprimante ? Choisissez plutôt le QR code : le point relais imprime l'étiquette pour vous.",
                    ),
                ],
                "related": ["qr-code-drop-off", "return-shipping-options"],
            },
            {
                "slug": "qr-code-drop-off",
                "title": ("Dropping off with a QR code", "Déposer un colis avec un QR code"),
                "summary": (
                    "Show the QR code on your phone at a partner drop-off point; no printing needed.",
                    "Présentez le QR code sur votre téléphone dans un point relais partenaire ; aucune impression nécessaire.",
                ),
                "body": [
                    text(
                        "After you confirm the return, we email you a QR code. It is also on your return page.",
                        "Après la confirmation du retour, nous vous envoyons un QR code par e-mail. Il figure aussi sur votre page de retour.",
                    ),
                    steps(
                        ("At the drop-off point:", "Au point relais :"),
                        ("Hand over the closed parcel.", "Remettez le colis fermé."),
                        (
                            "Show the QR code; the staff scan it and print the label.",
                            "Présentez le QR code ; le personnel le scanne et imprime l'étiquette.",
                        ),
                        ("Keep the receipt they give you.", "Conservez le reçu remis."),
                    ),
                ],
                "related": ["tracking-your-return"],
            },
            {
                "slug": "tracking-your-return",
                "title": (
                    "Tracking your return",
                    "Suivre votre retour",
                    "Ihre Rücksendung verfolgen",
                ),
                "summary": (
                    "Follow your parcel and each step of your return, from approval to refund, on your return page.",
                    "Suivez votre colis et chaque étape de votre retour, de la validation au remboursement, sur votre page de retour.",
                    "Verfolgen Sie Ihr Paket und jeden Schritt Ihrer Rücksendung – von der Genehmigung bis zur Erstattung – auf Ihrer Rücksendeseite.",
                ),
                "body": [
                    text(
                        "Your return page shows a timeline: requested, approved, in transit, received, inspected and refunded. We email you at each step.",
                        "Votre page de retour affiche une chronologie : demandé, validé, en transit, reçu, contrôlé et remboursé. Nous vous écrivons à chaque étape.",
                        "Ihre Rücksendeseite zeigt eine Zeitleiste: angefragt, genehmigt, unterwegs, eingegangen, geprüft und erstattet. Wir informieren Sie bei jedem Schritt per E-Mail.",
                    ),
                    callout(
                        "important",
                        "If the tracking has not moved for 5 business days, contact us with your return reference.",
                        "Si le suivi n'a pas évolué depuis 5 jours ouvrés, contactez-nous avec la référence de votre retour.",
                        "Wenn sich die Sendungsverfolgung 5 Werktage lang nicht ändert, kontaktieren Sie uns mit Ihrer Rücksendenummer.",
                    ),
                ],
                "related": ["when-will-i-be-refunded"],
                "de": True,
            },
        ],
    },
    {
        "slug": "refunds-and-store-credit",
        "title": (
            "Refunds, exchanges and store credit",
            "Remboursements, échanges et avoirs",
            "Erstattungen, Umtausch und Guthaben",
        ),
        "description": (
            "When and how you get your money back, or another item.",
            "Quand et comment vous êtes remboursé, ou recevez un autre article.",
            "Wann und wie Sie Ihr Geld zurückerhalten – oder einen anderen Artikel.",
        ),
        "articles": [
            {
                "slug": "when-will-i-be-refunded",
                "title": (
                    "When will I get my refund?",
                    "Quand serai-je remboursé ?",
                    "Wann erhalte ich meine Erstattung?",
                ),
                "summary": (
                    "We refund you within 14 days of your withdrawal; your bank may take a few more days to show it.",
                    "Nous vous remboursons sous 14 jours après votre rétractation ; votre banque peut mettre quelques jours de plus à l'afficher.",
                    "Wir erstatten innerhalb von 14 Tagen nach Ihrem Widerruf; Ihre Bank braucht eventuell einige Tage mehr.",
                ),
                "body": [
                    text(
                        "The refund goes to the means of payment you used. Card refunds usually appear within 3 to 5 business days after we send them.",
                        "Le remboursement est effectué sur le moyen de paiement utilisé. Sur une carte, il apparaît en général 3 à 5 jours ouvrés après son envoi.",
                        "Die Erstattung erfolgt auf das verwendete Zahlungsmittel. Kartengutschriften erscheinen meist 3 bis 5 Werktage nach dem Versand.",
                    ),
                    clause("8"),
                ],
                "related": ["refund-lower-than-expected", "tracking-your-return"],
                "de": True,
            },
            {
                "slug": "exchanges",
                "title": ("Exchanging an item", "Échanger un article"),
                "summary": (
                    "Exchange an item for another size or colour when you start the return.",
                    "Échangez un article contre une autre taille ou couleur en lançant le retour.",
                ),
                "body": [
                    text(
                        "Choose Exchange when you start the return, then pick the new size or colour among those the shop has in stock. If the new one costs more, you pay the difference when the exchange is approved; if it costs less, the difference comes back to you once your parcel arrives. The shop sends the new item once your parcel arrives, or at once where the policy offers an instant exchange.",
                        "Choisissez Échange en lançant le retour, puis la nouvelle taille ou couleur parmi celles que la boutique a en stock. Si le nouvel article coûte plus cher, vous payez la différence à l'acceptation de l'échange ; s'il coûte moins cher, la différence vous est rendue dès réception de votre colis. La boutique envoie le nouvel article dès réception de votre colis, ou tout de suite si la politique prévoit l'échange instantané.",
                    ),
                    clause("5"),
                ],
                "related": ["store-credit"],
            },
            {
                "slug": "store-credit",
                "title": ("Store credit and its bonus", "L'avoir et son bonus"),
                "summary": (
                    "Choose store credit instead of a refund and get a bonus on the amount.",
                    "Choisissez un avoir plutôt qu'un remboursement et bénéficiez d'un bonus sur le montant.",
                ),
                "body": [
                    text(
                        "Store credit is added to your account as soon as we receive the item. It never expires and can be used with any seller of the marketplace.",
                        "L'avoir est crédité sur votre compte dès réception de l'article. Il n'expire jamais et s'utilise chez tous les vendeurs de la place de marché.",
                    ),
                    clause("5"),
                    callout(
                        "important",
                        "Store credit is always your choice: you can ask for a refund instead.",
                        "L'avoir est toujours votre choix : vous pouvez demander un remboursement à la place.",
                    ),
                ],
                "related": ["exchanges", "when-will-i-be-refunded"],
            },
            {
                "slug": "refund-lower-than-expected",
                "title": (
                    "Why is my refund lower than expected?",
                    "Pourquoi mon remboursement est-il inférieur au prix payé ?",
                ),
                "summary": (
                    "Return shipping fees or a deduction for an item handled beyond what was needed can reduce a refund.",
                    "Des frais de retour ou une déduction pour un article trop manipulé peuvent réduire un remboursement.",
                ),
                "body": [
                    text(
                        "Your refund email lists every amount. Two things can lower it: the return shipping fee when you changed your mind, and a deduction when an item lost value because it was used beyond trying it.",
                        "L'e-mail de remboursement détaille chaque montant. Deux éléments peuvent le réduire : les frais de retour en cas de changement d'avis, et une déduction lorsqu'un article a perdu de la valeur car il a été utilisé au-delà d'un simple essai.",
                    ),
                    clause("7"),
                ],
                "related": ["when-will-i-be-refunded"],
                "review_days": -45,
            },
        ],
    },
    {
        "slug": "problems-with-an-item",
        "title": (
            "Problems with an item",
            "Problème avec un article",
            "Probleme mit einem Artikel",
        ),
        "description": (
            "Damaged, wrong or missing items, and the legal guarantee.",
            "Articles endommagés, erronés ou manquants, et garantie légale.",
            "Beschädigte, falsche oder fehlende Artikel und die gesetzliche Gewährleistung.",
        ),
        "articles": [
            {
                "slug": "damaged-item",
                "title": (
                    "I received a damaged item",
                    "J'ai reçu un article endommagé",
                    "Ich habe einen beschädigten Artikel erhalten",
                ),
                "summary": (
                    "Tell us within the return window with a photo; the return is free and you choose a refund or a replacement.",
                    "Signalez-le dans le délai de retour avec une photo ; le retour est gratuit et vous choisissez un remboursement ou un remplacement.",
                    "Melden Sie es innerhalb der Rückgabefrist mit einem Foto; die Rücksendung ist kostenlos und Sie wählen Erstattung oder Ersatz.",
                ),
                "body": [
                    steps(
                        ("What to do:", "Que faire :", "So gehen Sie vor:"),
                        (
                            "Take a photo of the item and of the parcel.",
                            "Prenez en photo l'article et le colis.",
                            "Fotografieren Sie den Artikel und das Paket.",
                        ),
                        (
                            "Start a return and choose Damaged on arrival.",
                            "Lancez un retour et choisissez Endommagé à la livraison.",
                            "Starten Sie eine Rücksendung und wählen Sie Bei Lieferung beschädigt.",
                        ),
                        (
                            "Attach the photos; we send you a free label.",
                            "Joignez les photos ; nous vous envoyons une étiquette gratuite.",
                            "Fügen Sie die Fotos bei; wir senden Ihnen ein kostenloses Etikett.",
                        ),
                    ),
                    clause("6"),
                ],
                "related": ["wrong-item", "legal-guarantee"],
                "de": True,
            },
            {
                "slug": "wrong-item",
                "title": ("I received the wrong item", "J'ai reçu un mauvais article"),
                "summary": (
                    "Return the wrong item for free; we send the right one or refund you.",
                    "Retournez gratuitement le mauvais article ; nous envoyons le bon ou vous remboursons.",
                ),
                "body": [
                    text(
                        "Start a return and choose Wrong item received. The return is free. Do not use the item, so the seller can check it quickly.",
                        "Lancez un retour et choisissez Mauvais article reçu. Le retour est gratuit. N'utilisez pas l'article, afin que le vendeur puisse le vérifier rapidement.",
                    ),
                ],
                "related": ["damaged-item"],
            },
            {
                "slug": "missing-item",
                "title": ("An item is missing from my parcel", "Un article manque dans mon colis"),
                "summary": (
                    "Check whether your order was sent in several parcels, then contact us within 7 days.",
                    "Vérifiez si votre commande a été envoyée en plusieurs colis, puis contactez-nous sous 7 jours.",
                ),
                "body": [
                    text(
                        "Orders from several sellers arrive in separate parcels. Your order page shows each delivery. If a delivered parcel is incomplete, contact us within 7 days with a photo of the parcel and its label.",
                        "Les commandes de plusieurs vendeurs arrivent en colis séparés. Votre page de commande affiche chaque livraison. Si un colis livré est incomplet, contactez-nous sous 7 jours avec une photo du colis et de son étiquette.",
                    ),
                ],
                "related": ["contacting-us"],
            },
            {
                "slug": "legal-guarantee",
                "title": ("Legal guarantee of conformity", "Garantie légale de conformité"),
                "summary": (
                    "For two years after delivery, a faulty item must be repaired or replaced, whatever the return window.",
                    "Pendant deux ans après la livraison, un article défectueux doit être réparé ou remplacé, quel que soit le délai de retour.",
                ),
                "body": [
                    text(
                        "The legal guarantee is separate from returns. It covers defects that existed at delivery, even if they appear later. Contact us with your order number and a description of the defect.",
                        "La garantie légale est distincte des retours. Elle couvre les défauts existant à la livraison, même s'ils apparaissent plus tard. Contactez-nous avec votre numéro de commande et une description du défaut.",
                    ),
                ],
                "related": ["damaged-item", "contacting-us"],
            },
        ],
    },
    {
        "slug": "your-rights-and-contact",
        "title": (
            "Your rights and contacting us",
            "Vos droits et nous contacter",
            "Ihre Rechte und Kontakt",
        ),
        "description": (
            "The EU right of withdrawal, the withdrawal button, sellers' own policies and how to reach us.",
            "Le droit de rétractation européen, le bouton de rétractation, les politiques des vendeurs et comment nous joindre.",
            "Das EU-Widerrufsrecht, der Widerrufsbutton, eigene Richtlinien von Verkäufern und wie Sie uns erreichen.",
        ),
        "articles": [
            {
                "slug": "eu-right-of-withdrawal",
                "title": (
                    "The EU right of withdrawal",
                    "Le droit de rétractation européen",
                    "Das EU-Widerrufsrecht",
                ),
                "summary": (
                    "When you buy online from a professional seller in the EU, you can withdraw within 14 days without giving a reason.",
                    "Lorsque vous achetez en ligne à un vendeur professionnel dans l'UE, vous pouvez vous rétracter sous 14 jours sans motif.",
                    "Wenn Sie online bei einem gewerblichen Verkäufer in der EU kaufen, können Sie innerhalb von 14 Tagen ohne Angabe von Gründen widerrufen.",
                ),
                "body": [
                    text(
                        "The right of withdrawal comes from EU law. Our return policy is more generous, but it never takes this right away:",
                        "Le droit de rétractation découle du droit européen. Notre politique de retour est plus généreuse, mais ne supprime jamais ce droit :",
                        "Das Widerrufsrecht beruht auf EU-Recht. Unsere Rückgaberichtlinie ist großzügiger, schränkt dieses Recht aber nie ein:",
                    ),
                    clause("2.1"),
                    callout(
                        "important",
                        "Items bought from private sellers are not covered by the right of withdrawal.",
                        "Les articles achetés à des particuliers ne sont pas couverts par le droit de rétractation.",
                        "Artikel von privaten Verkäufern fallen nicht unter das Widerrufsrecht.",
                    ),
                ],
                "related": ["withdrawal-button", "return-deadlines"],
                "de": True,
            },
            {
                "slug": "withdrawal-button",
                "title": (
                    "Using the withdrawal button",
                    "Utiliser le bouton de rétractation",
                    "Den Widerrufsbutton verwenden",
                ),
                "summary": (
                    "Withdraw from a purchase online in two clicks; we confirm it by email with the date and time.",
                    "Rétractez-vous en ligne en deux clics ; nous le confirmons par e-mail avec la date et l'heure.",
                    "Widerrufen Sie einen Kauf online mit zwei Klicks; wir bestätigen es per E-Mail mit Datum und Uhrzeit.",
                ),
                "body": [
                    steps(
                        ("To withdraw:", "Pour vous rétracter :", "So widerrufen Sie:"),
                        (
                            "Open the order in your account.",
                            "Ouvrez la commande dans votre compte.",
                            "Öffnen Sie die Bestellung in Ihrem Konto.",
                        ),
                        (
                            "Choose the withdrawal button, then the items.",
                            "Choisissez le bouton de rétractation, puis les articles.",
                            "Wählen Sie den Widerrufsbutton und dann die Artikel.",
                        ),
                        (
                            "Confirm. The confirmation email is your proof.",
                            "Confirmez. L'e-mail de confirmation vous sert de preuve.",
                            "Bestätigen Sie. Die Bestätigungs-E-Mail ist Ihr Nachweis.",
                        ),
                    ),
                    clause("9"),
                ],
                "related": ["eu-right-of-withdrawal"],
                "de": True,
            },
            {
                "slug": "seller-policies",
                "title": (
                    "Sellers with their own return policy",
                    "Vendeurs ayant leur propre politique de retour",
                ),
                "summary": (
                    "Some sellers offer longer windows; the policy that applies is shown on the product page and your order.",
                    "Certains vendeurs offrent des délais plus longs ; la politique applicable figure sur la fiche produit et votre commande.",
                ),
                "body": [
                    text(
                        "A seller may offer better terms than the marketplace policy, never worse than the law. Your order keeps the policy version that applied on the day you bought.",
                        "Un vendeur peut offrir de meilleures conditions que la politique de la place de marché, jamais moins que la loi. Votre commande conserve la version de la politique en vigueur le jour de l'achat.",
                    ),
                ],
                "related": ["how-to-start-a-return"],
            },
            {
                "slug": "contacting-us",
                "title": ("Contacting us", "Nous contacter", "Kontakt"),
                "summary": (
                    "Write to us from the contact form; we answer within two business days and you can follow the answer in your account.",
                    "Écrivez-nous via le formulaire de contact ; nous répondons sous deux jours ouvrés et vous suivez la réponse dans votre compte.",
                    "Schreiben Sie uns über das Kontaktformular; wir antworten innerhalb von zwei Werktagen, und Sie sehen die Antwort in Ihrem Konto.",
                ),
                "body": [
                    text(
                        "Give your order number and attach photos if an item is damaged: we can then answer in one message. Each request gets a reference such as SR-2026-000123.",
                        "Indiquez votre numéro de commande et joignez des photos si un article est endommagé : nous pourrons répondre en un seul message. Chaque demande reçoit une référence comme SR-2026-000123.",
                        "Geben Sie Ihre Bestellnummer an und fügen Sie bei beschädigten Artikeln Fotos bei: So können wir mit einer Nachricht antworten. Jede Anfrage erhält eine Referenz wie SR-2026-000123.",
                    ),
                    callout(
                        "tip",
                        "Signed in, you see all your requests and our replies under My account.",
                        "Connecté, vous retrouvez toutes vos demandes et nos réponses dans Mon compte.",
                        "Angemeldet sehen Sie alle Ihre Anfragen und unsere Antworten unter Mein Konto.",
                    ),
                ],
                "related": ["missing-item"],
                "de": True,
            },
        ],
    },
]

OWNERS = ("editor@example.com", "returns@example.com")


def all_articles():
    for category in CATEGORIES:
        yield from category["articles"]


def strings_for(language: str) -> dict[str, str]:
    """Source string → translation, for every text that has one in `language`."""
    index = {"fr": 1, "de": 2}[language]
    table: dict[str, str] = {}

    def add(versions):
        if len(versions) > index and versions[index]:
            table[versions[0]] = versions[index]

    for key in ("title", "intro"):
        add(HELP_CENTER[key])
    for category in CATEGORIES:
        add(category["title"])
        add(category["description"])
        for article in category["articles"]:
            add(article["title"])
            add(article["summary"])
            for block in article["body"]:
                if block[0] == "text":
                    add(block[1])
                elif block[0] == "steps":
                    add(block[1])
                    for item in block[2]:
                        add(item)
                elif block[0] == "callout":
                    add(block[2])
                elif block[0] == "image":
                    add(block[2])
                    add(block[3])
    return table
