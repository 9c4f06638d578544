"""Placeholder: being written."""

from django.http import Http404


def order_list(request, **kwargs):
    raise Http404
