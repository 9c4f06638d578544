import json

from django import forms


class JSONCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """Checkboxes for a JSONField that holds a list of codes."""

    def format_value(self, value):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = []
        return super().format_value(value or [])
