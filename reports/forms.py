from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError

from .models import MESSAGE_MAX_LENGTH, Report

AWS_HOSTS = ("aws.amazon.com", "amazon.com", "amazonaws.com", "awsstatic.com", "aws")


class ReportForm(forms.ModelForm):
    about = forms.CharField(widget=forms.HiddenInput, max_length=240)

    class Meta:
        model = Report
        fields = ["message", "aws_link"]
        labels = {
            "message": "What is wrong?",
            "aws_link": "Link to the AWS page that says otherwise (optional)",
        }
        help_texts = {
            "message": f"Plain text, up to {MESSAGE_MAX_LENGTH:,} characters. No account needed.",
            "aws_link": "An https:// address on an AWS site, such as docs.aws.amazon.com.",
        }
        widgets = {"message": forms.Textarea(attrs={"rows": 5, "maxlength": MESSAGE_MAX_LENGTH})}
        error_messages = {
            "message": {
                "required": "Say what is wrong, in a sentence or two.",
                "max_length": "Keep it to %(limit_value)d characters or fewer (you wrote %(show_value)d).",
            }
        }

    def clean_aws_link(self) -> str:
        link = self.cleaned_data["aws_link"]
        if not link:
            return link
        parts = urlsplit(link)
        host = (parts.hostname or "").lower()
        if parts.scheme != "https" or not any(host == h or host.endswith("." + h) for h in AWS_HOSTS):
            raise ValidationError("Link to an https:// page on an AWS site, such as docs.aws.amazon.com.")
        return link
