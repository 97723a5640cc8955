from django import forms

from . import kinds
from .attempts import LENGTHS
from .topics import topic_choices


class SetupForm(forms.Form):
    topic = forms.ChoiceField(label="Topic", initial="everything")
    length = forms.TypedChoiceField(
        label="Number of questions", coerce=int, choices=[(n, str(n)) for n in LENGTHS], initial=10
    )

    def __init__(self, *args, choices: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = choices if choices is not None else topic_choices()


class AnswerForm(forms.Form):
    """The learner's answer to one question. Field names come from the question, never from the client."""

    def __init__(self, *args, presented: kinds.Presented, **kwargs):
        super().__init__(*args, **kwargs)
        self.presented = presented
        self.fields.update(kinds.form_fields(presented))

    @property
    def answer_field(self):
        """The one field of a choice question (choice or choices), for its hand-written option list."""
        return self[next(iter(self.fields))]

    def answer(self) -> dict:
        return kinds.answer_from(self.presented, self.cleaned_data)
