from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from .current import adopt_session_learner
from .forms import SignupForm, ThrottledAuthenticationForm


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    form = ThrottledAuthenticationForm(
        request, data=request.POST if request.method == "POST" else None, label_suffix=""
    )
    if form.is_valid():
        auth_login(request, form.get_user())
        adopt_session_learner(request)
        messages.success(request, f"Welcome back, {form.get_user().get_username()}.")
        return redirect(_next_url(request))
    return render(request, "registration/login.html", {"form": form, "next": _next_url(request)})


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST if request.method == "POST" else None, label_suffix="")
    if form.is_valid():
        user = form.save()
        auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        adopt_session_learner(request)
        messages.success(request, "Your account is ready. Anything you studied before signing up is kept.")
        return redirect(_next_url(request))
    return render(request, "registration/signup.html", {"form": form, "next": _next_url(request)})
