"""The returns area of the Wagtail admin, for staff (registered in wagtail_hooks.py).

A read-mostly model viewset of `ReturnRequest` (viewset.py): a listing with
deadline flags, filters and search (listing.py), and a page per return
(detail.py) that shows everything about it and offers one form (forms.py) per
action the lifecycle allows from its status, plus a reply to the buyer
(actions.py). There is no add, edit or delete view: the status changes only
through the lifecycle's actions, which check the staff's permission and write
Wagtail's audit log themselves; the history view lists that log.

Permissions are the model's: "view" reads returns and their photos (photos.py),
"change" acts on them (return_portal.seeding.seed_staff_permissions gives them
to the groups).
"""
