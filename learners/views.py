from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import data
from .current import SESSION_KEY, adopt_session_learner, current_learner
from .forms import DeleteAccountForm, SignupForm, ThrottledAuthenticationForm, ThrottledPasswordResetForm


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
    form = SignupForm(request, request.POST if request.method == "POST" else None, label_suffix="")
    if form.is_valid():
        user = form.save()
        auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        adopt_session_learner(request)
        messages.success(request, "Your account is ready. Anything you studied before signing up is kept.")
        return redirect(_next_url(request))
    return render(request, "registration/signup.html", {"form": form, "next": _next_url(request)})


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset view with the rate-limited form; the mail goes through MAILERS (see settings)."""

    form_class = ThrottledPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("learners:password_reset_done")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


@require_safe
def account(request: HttpRequest) -> HttpResponse:
    learner = current_learner(request)
    form = DeleteAccountForm(request.user, label_suffix="") if request.user.is_authenticated else None
    return render(request, "learners/account.html", {"summary": data.summary(learner), "form": form})


@require_safe
def account_data(request: HttpRequest) -> HttpResponse:
    export = data.export(current_learner(request), user=request.user)
    response = JsonResponse(export, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'attachment; filename="srm-trainer-my-data.json"'
    patch_cache_control(response, private=True, no_store=True)
    return response


@sensitive_post_parameters("password")
@require_POST
def account_delete(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        learner = current_learner(request)
        if learner is not None:
            data.delete_learner(learner)
        request.session.pop(SESSION_KEY, None)
        messages.success(request, "Everything this browser recorded has been deleted.")
        return redirect("learners:account")
    form = DeleteAccountForm(user, request.POST, request=request, label_suffix="")
    if not form.is_valid():
        learner = current_learner(request)
        return render(request, "learners/account.html", {"summary": data.summary(learner), "form": form})
    username = user.get_username()
    auth_logout(request)
    data.delete_account(user)
    messages.success(request, f"The account {username} and everything recorded about it have been deleted.")
    return redirect("home")


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "privacy.html",
        {
            "session_days": settings.SESSION_COOKIE_AGE // (24 * 60 * 60),
            "login_window_minutes": settings.LOGIN_FAILURE_WINDOW // 60,
            "classroom_days": settings.CLASSROOM_RETENTION_DAYS,
        },
    )
