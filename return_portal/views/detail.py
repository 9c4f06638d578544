"""Placeholder: being written."""

from django.http import Http404


def photo(request, **kwargs):
    raise Http404


def detail(request, **kwargs):
    raise Http404


def status(request, **kwargs):
    raise Http404


def messages(request, **kwargs):
    raise Http404


def cancel(request, **kwargs):
    raise Http404


def label(request, **kwargs):
    raise Http404


def qr(request, **kwargs):
    raise Http404
