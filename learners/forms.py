from django import forms
from django.contrib.auth.forms import AuthenticationForm

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
