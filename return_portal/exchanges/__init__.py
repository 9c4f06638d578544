"""Exchanges as real requests: what the portal offers (offer), the payment
gateway's charges and authorisations (gateway), and the actions on an exchange
(actions)."""
