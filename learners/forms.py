from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, UserCreationForm
from django.http import HttpRequest

from . import throttle
from .usernames import skeleton


def _wait_message(seconds: int) -> dict:
    return {"minutes": max(1, -(-seconds // 60))}


class ThrottledLoginMixin:
    """Count the attempt before the password is checked; refuse while the limit holds."""

    throttled_message = "Too many failed log-in attempts. Wait %(minutes)s minute(s) and try again."

    def clean(self):
        username = self.data.get("username", "")
        wait = throttle.login_attempt(self.request, username)
        if wait:
            raise forms.ValidationError(self.throttled_message, code="throttled", params=_wait_message(wait))
        cleaned = super().clean()
        if self.get_user() is not None:  # a post without a password checks nothing and clears nothing
            throttle.login_succeeded(self.request, username)
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    """Django's log-in form, refusing further guesses after repeated failures."""


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's log-in form with the same limits as the site's."""


class SignupForm(UserCreationForm):
    """Django's sign-up form; refuses look-alikes of existing names and too many accounts at once.
    The optional e-mail serves only to reset a forgotten password."""

    email = forms.EmailField(
        label="E-mail (optional)",
        required=False,
        help_text="Only for resetting a forgotten password. Without one, a lost password cannot be recovered.",
    )

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")

    def __init__(self, request: HttpRequest, *args, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_username(self):
        username = super().clean_username()
        if username is None:
            return username  # Django already refused it: the same name in another case
        looks = skeleton(username)
        # Sign-ups are rare and rate limited, so comparing against every name is cheap enough.
        for existing in get_user_model()._default_manager.values_list("username", flat=True).iterator():
            if skeleton(existing) == looks:
                raise forms.ValidationError(
                    "That username looks too much like an existing one. Choose another.", code="confusable"
                )
        return username

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            wait = throttle.signup_attempt(self.request)
            if wait:
                raise forms.ValidationError(
                    "Too many accounts were created from your network just now. "
                    "Wait %(minutes)s minute(s) and try again.",
                    code="throttled",
                    params=_wait_message(wait),
                )
        return cleaned


class ThrottledPasswordResetForm(PasswordResetForm):
    """Django's reset form, refusing to mail one address, or to mail from one network, too often.

    Requests count whether or not an account uses the address, and the refusal says nothing about
    accounts, so the form never tells which addresses are registered.
    """

    def __init__(self, *args, request: HttpRequest | None = None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        which, wait = throttle.password_reset_attempt(self.request, cleaned["email"])
        if which == "address":
            raise forms.ValidationError(
                "Too many reset links were asked for from your network just now. "
                "Wait %(minutes)s minute(s) and try again.",
                code="throttled",
                params=_wait_message(wait),
            )
        if which == "email":
            raise forms.ValidationError(
                "A link for this address was asked for several times in the last hour. If an account uses it, "
                "those messages are on their way: look in your spam folder too. "
                "To ask again, wait %(minutes)s minute(s).",
                code="throttled",
                params=_wait_message(wait),
            )
        return cleaned


class DeleteAccountForm(forms.Form):
    """Deleting an account takes its password, counted like a log-in so it cannot be guessed."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user, *args, request: HttpRequest | None = None, **kwargs):
        self.user = user
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        username = self.user.get_username()
        wait = throttle.login_attempt(self.request, username)
        if wait:
            raise forms.ValidationError(
                ThrottledLoginMixin.throttled_message, code="throttled", params=_wait_message(wait)
            )
        if not self.user.check_password(password):
            raise forms.ValidationError(
                "That is not your password. Nothing was deleted.", code="wrong_password"
            )
        throttle.login_succeeded(self.request, username)
        return password
