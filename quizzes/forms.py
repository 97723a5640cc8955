from django import forms

from lessons.pack import EXAM_TASK_TITLES

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
        # After the answer fields, so answer_field stays the first one.
        self.fields["guessed"] = forms.BooleanField(
            required=False,
            label="I guessed",
            help_text="A right guess comes back for review sooner than an answer you knew.",
        )

    @property
    def answer_field(self):
        """The one field of a choice question (choice or choices), for its hand-written option list."""
        return self[next(iter(self.fields))]

    @property
    def answer_fields(self):
        """The answer's fields (one per row of a matrix or sort question), without "I guessed"."""
        return [field for field in self if field.name != "guessed"]

    def answer(self) -> dict:
        return kinds.answer_from(self.presented, self.cleaned_data)

    @property
    def guessed(self) -> bool:
        return bool(self.cleaned_data.get("guessed"))


class ReviewSettingsForm(forms.Form):
    retention = forms.FloatField(
        label="Retention target",
        min_value=0.80,
        max_value=0.95,
        step_size=0.01,
        help_text="The chance you still remember a card when it comes back: 0.80 to 0.95. "
        "Higher means more reviews.",
    )
    daily_cap = forms.IntegerField(
        label="Most cards a day", min_value=1, max_value=200, help_text="From 1 to 200."
    )


class ExamSetupForm(forms.Form):
    length = forms.TypedChoiceField(
        label="Exam",
        coerce=int,
        widget=forms.RadioSelect,
        initial=20,
        choices=[
            (20, "Section exam: 20 questions in 28 minutes"),
            (40, "Long exam: 40 questions in 56 minutes"),
        ],
    )
    task = forms.ChoiceField(
        label="Exam tasks",
        required=False,
        initial="",
        choices=[("", "All tasks, mixed"), *EXAM_TASK_TITLES.items()],
        help_text="Practise one CLF-C02 task statement, or mix them as the exam does.",
    )
    extra_time = forms.BooleanField(
        label="Extra time (+30 minutes per 90)",
        required=False,
        help_text="As AWS grants candidates who request the English-as-a-second-language accommodation.",
    )
