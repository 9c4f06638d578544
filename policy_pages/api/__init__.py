"""The policy API (policies.py: GET /api/v1/policies/in-force) and the order
intake endpoint that pins lines to versions (orders.py). query.py and
answer.py are shared with the HTML embeds (embed.py)."""
