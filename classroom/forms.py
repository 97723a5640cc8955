from django import forms

from lessons.models import Lesson

from . import engine, live
from .models import Leaderboard, Scoring

LENGTHS = (5, 10, 15, 20)
TIMERS = [(0, "Off: the host closes answers"), (20, "20 seconds"), (30, "30 seconds"), (60, "60 seconds")]


class JoinForm(forms.Form):
    code = forms.CharField(
        label="Class code",
        max_length=12,
        help_text="The 6-digit code on the screen.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9 ]*"}),
    )
    nickname = forms.CharField(
        label="Nickname",
        max_length=60,
        help_text=f"Up to {live.NICKNAME_MAX} characters. Not your real name: others in the room see it.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_nickname(self) -> str:
        return live.clean_nickname(self.cleaned_data["nickname"])


class RejoinForm(forms.Form):
    code = forms.CharField(
        label="Class code",
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9 ]*"}),
    )
    rejoin_code = forms.CharField(
        label="Your rejoin code",
        max_length=10,
        help_text="Shown on the screen where you first joined.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def __init__(self, *args, **kwargs):
        # The join page shows the join form too: its own ids, so the two "Class code" fields never share one.
        kwargs.setdefault("auto_id", "rejoin_%s")
        super().__init__(*args, **kwargs)


def source_choices() -> list:
    lessons = [(f"lesson:{lesson.slug}", lesson.title) for lesson in Lesson.objects.exclude(quiz="")]
    return [
        ("Topics", engine.topic_choices()),
        ("A lesson's quiz", lessons),
        ("Hand-picked", [("picked", "The questions listed below")]),
    ]


class SessionForm(forms.Form):
    name = forms.CharField(
        label="Title on the projector",
        max_length=200,
        required=False,
        help_text="Optional. Otherwise the topic or lesson names the class.",
    )
    source = forms.ChoiceField(label="Questions from", initial="everything", help_text=engine.KINDS_NOTE)
    picked = forms.CharField(
        label="Hand-picked questions",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only for “hand-picked”: question slugs (as in the admin), one per line, in order.",
    )
    length = forms.TypedChoiceField(
        label="Number of questions", coerce=int, choices=[(n, str(n)) for n in LENGTHS], initial=10
    )
    seconds_per_question = forms.TypedChoiceField(
        label="Timer per question", coerce=int, choices=TIMERS, initial=0
    )
    scoring = forms.ChoiceField(
        label="Scoring", choices=Scoring.choices, initial=Scoring.ACCURACY, widget=forms.RadioSelect
    )
    leaderboard = forms.ChoiceField(
        label="Leaderboard", choices=Leaderboard.choices, initial=Leaderboard.OFF, widget=forms.RadioSelect
    )
    auto_close = forms.BooleanField(
        label="Close answers when everyone in the class has answered",
        required=False,
        initial=True,
        help_text="Otherwise answers stay open until you close them or the timer runs out.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = source_choices()

    def clean(self):
        data = super().clean()
        source = data.get("source", "")
        if source == "picked":
            slugs = [line.strip() for line in data.get("picked", "").splitlines() if line.strip()]
            chosen = engine.questions_by_slug(slugs)
            if not chosen:
                self.add_error(
                    "picked",
                    "None of these is a question a class can use: list question slugs, one per line.",
                )
            data["chosen"], data["topic"], data["title"] = chosen, "picked", "Hand-picked questions"
        elif source.startswith("lesson:"):
            lesson = Lesson.objects.filter(slug=source.removeprefix("lesson:")).exclude(quiz="").first()
            data["topic"] = lesson.quiz if lesson else ""
            data["title"] = lesson.title if lesson else ""
        else:
            data["topic"], data["title"] = source, engine.topic_label(source)
        if data.get("name", "").strip():
            data["title"] = data["name"].strip()
        if "chosen" not in data and data.get("topic") and "length" in data:
            data["chosen"] = engine.draw(data["topic"], data["length"])
            if not data["chosen"]:
                self.add_error(
                    "source", "There are no questions a class can use on that topic yet. Choose another."
                )
        return data


class AnswerForm(forms.Form):
    """Which question the learner answered and the option(s) chosen: one for most questions, several for a
    multiple-answer one; `live.submit_answer` checks them against the question. The seat comes from the
    signed cookie only."""

    position = forms.IntegerField(min_value=1)
    choice = forms.MultipleChoiceField(error_messages={"required": "Choose an answer."})

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        # Any short value passes here; whether it is one of the question's options is the engine's check.
        values = data.getlist("choice") if data is not None else []
        self.fields["choice"].choices = [(v, v) for v in values if len(v) <= 40]
