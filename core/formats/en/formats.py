"""English dates as the marketplace's English readers write them: Ireland's
(day, month, year; a 24-hour clock), not Django's American "Dec. 7, 2026" and
"12/07/2026". It matches the Babel locale core/formatting.py uses for English
(en_IE). French and German keep Django's own formats."""

from django.conf.locale.en_IE.formats import *  # noqa: F403

DATE_FORMAT = "j F Y"  # '7 December 2026': a sentence's date, like fr and de
DATETIME_FORMAT = "j F Y, H:i"  # '7 December 2026, 14:05'
SHORT_DATE_FORMAT = "d/m/Y"  # '07/12/2026'
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # '07/12/2026 14:05'
