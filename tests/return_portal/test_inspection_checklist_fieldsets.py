"""The inspect form's checklist for screen readers: each check's Pass and Fail
radios are a group (a fieldset) whose legend names the check, so "Pass" is
announced with what passed."""

from __future__ import annotations

from bs4 import BeautifulSoup
from django.urls import reverse

from return_portal.models import InspectionCheck
from tests.return_portal.test_inspection import order, received, staff

__all__ = ["order", "staff"]  # the fixtures of test_inspection.py


def test_each_check_s_radios_are_a_fieldset_named_by_the_check(client, order, staff):
    return_request, line = received(order, staff, quantity=2)
    client.force_login(staff)

    html = client.get(reverse("returns:inspect", args=[return_request.pk])).content.decode()
    soup = BeautifulSoup(html, "html.parser")

    for unit in (1, 2):
        for check in InspectionCheck:
            name = f"inspect-{line.pk}-{unit}-{check.value}"
            radios = soup.find_all("input", attrs={"type": "radio", "name": name})
            assert [radio["value"] for radio in radios] == ["pass", "fail"], name
            groups = {id(radio.find_parent("fieldset")) for radio in radios}
            assert len(groups) == 1
            group = radios[0].find_parent("fieldset")
            legend = group.find("legend", recursive=False)
            assert legend is not None and legend.get_text(strip=True) == check.label
            # The group holds this check's answer only.
            inside = {radio["name"] for radio in group.find_all("input", attrs={"type": "radio"})}
            assert inside == {name}
            # The label is the legend's: no second, unattached label of the group.
            unattached = [
                label
                for label in group.find_all("label")
                if label.get_text(strip=True) == check.label
            ]
            assert unattached == []
