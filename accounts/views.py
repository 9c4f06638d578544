from allauth.account.views import LoginView as AllauthLoginView
from django.forms.forms import NON_FIELD_ERRORS

TOO_MANY_REQUESTS = 429


class LoginView(AllauthLoginView):
    """allauth's login, answering 429 once the failed-login limit is reached.

    allauth reports the limit as a form error with status 200; clients,
    proxies and monitoring understand 429 Too Many Requests.
    """

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, code="too_many_login_attempts"):
            response.status_code = TOO_MANY_REQUESTS
        return response


login = LoginView.as_view()


def admin_login(request):
    """`/admin/login/`: allauth's login (so the MFA stage applies), returning to the
    admin dashboard afterwards rather than to the public home page."""
    from django.http import HttpResponseRedirect
    from django.urls import reverse
    from django.utils.http import urlencode

    if request.method == "GET" and "next" not in request.GET:
        target = reverse("wagtailadmin_home")
        return HttpResponseRedirect(f"{request.path}?{urlencode({'next': target})}")
    return login(request)
