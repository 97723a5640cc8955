"""Model fields for short lists (sources, examples), edited as one line per item."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from .pack import EXAM_TASKS, is_source_url


class LinesField(forms.CharField):
    """A form field for a list of strings, one per line."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 100})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


def validate_sources(value) -> None:
    bad = [url for url in value if not is_source_url(url)] if isinstance(value, list) else [value]
    if bad:
        raise ValidationError(f"Sources must be https:// URLs; not: {', '.join(map(str, bad))}")


def validate_lines(value) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ValidationError("Enter a list of non-empty lines.")


class LineListField(models.JSONField):
    """A JSON list of text lines (examples, skills, tool names)."""

    default_validators = [validate_lines]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        # Skip JSONField's JSON textarea: editors type one item per line.
        return models.Field.formfield(self, **{"form_class": LinesField, **kwargs})


class SourcesField(LineListField):
    """A JSON list of https:// source URLs; one or more unless blank=True."""

    default_validators = [validate_lines, validate_sources]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", "One https:// URL per line, AWS's own pages first.")
        super().__init__(*args, **kwargs)


def validate_exam_tasks(value) -> None:
    unknown = [task for task in value if task not in EXAM_TASKS] if isinstance(value, list) else [value]
    if unknown or not value:
        raise ValidationError(f"List one or more of {', '.join(EXAM_TASKS)}, one per line; not: {unknown}")


class ExamTasksField(LineListField):
    """The CLF-C02 Domain 2 task statements an item serves, e.g. ["2.1", "2.3"]."""

    default_validators = [validate_lines, validate_exam_tasks]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", f"CLF-C02 task statements, one per line: {', '.join(EXAM_TASKS)}.")
        super().__init__(*args, **kwargs)
