from django.urls import path

from .views import credit, detail, line_images, orders, return_files, withdrawal, wizard

app_name = "return_portal"

# Every URL carries an opaque id (UUID) and every view looks it up scoped to the
# signed-in buyer: another buyer's id answers 404.
urlpatterns = [
    path("", orders.order_list, name="orders"),
    path("credit/", credit.credit, name="credit"),
    path("orders/<uuid:order_id>/return/", wizard.start, name="start"),
    path("drafts/<uuid:draft_id>/confirm/", wizard.confirm, name="confirm"),
    path("drafts/<uuid:draft_id>/photos/", wizard.upload_photo, name="photo_upload"),
    path(
        "drafts/<uuid:draft_id>/photos/<uuid:photo_id>/delete/",
        wizard.delete_photo,
        name="photo_delete",
    ),
    path("drafts/<uuid:draft_id>/<slug:step>/", wizard.step, name="step"),
    path("orders/<uuid:order_id>/withdraw/", withdrawal.start, name="withdraw"),
    path("orders/<uuid:order_id>/withdraw/confirm/", withdrawal.confirm, name="withdraw_confirm"),
    path("photos/<uuid:photo_id>/", return_files.photo, name="photo"),
    path(
        "orders/<uuid:order_id>/lines/<str:line>/image/",
        line_images.line_image,
        name="line_image",
    ),
    path("<uuid:return_id>/", detail.detail, name="detail"),
    path("<uuid:return_id>/status/", detail.status, name="status"),
    path("<uuid:return_id>/messages/", detail.messages, name="messages"),
    path("<uuid:return_id>/cancel/", detail.cancel, name="cancel"),
    path("<uuid:return_id>/tracking/", detail.tracking, name="tracking"),
    path("<uuid:return_id>/label.pdf", return_files.label, name="label"),
    path("<uuid:return_id>/packing-slip.pdf", return_files.slip, name="packing_slip"),
    path("<uuid:return_id>/qr.svg", return_files.qr, name="qr"),
]
