"""Placeholder: being written."""

from django.http import Http404


def start(request, **kwargs):
    raise Http404


def confirm(request, **kwargs):
    raise Http404


def upload_photo(request, **kwargs):
    raise Http404


def delete_photo(request, **kwargs):
    raise Http404


def step(request, **kwargs):
    raise Http404
