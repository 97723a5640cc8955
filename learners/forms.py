from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm

from . import throttle


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's log-in form, refusing further guesses after repeated failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": "Too many failed log-in attempts. Wait %(minutes)s minute(s) and try again.",
    }

    def clean(self):
        username = self.data.get("username", "")
        wait = throttle.seconds_locked(self.request, username)
        if wait:
            raise forms.ValidationError(
                self.error_messages["throttled"], code="throttled", params={"minutes": max(1, wait // 60)}
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.record_failure(self.request, username)
            raise
        throttle.clear_failures(self.request, username)
        return cleaned


class SignupForm(UserCreationForm):
    """Django's sign-up form plus an optional e-mail address, used only to recover a forgotten password."""

    email = forms.EmailField(
        label="E-mail (optional)",
        required=False,
        help_text="Only for resetting a forgotten password. Without one, a lost password cannot be recovered.",
    )

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")
