from django import forms

from .attempts import LENGTHS, topic_choices
from .questions import Presented


class SetupForm(forms.Form):
    topic = forms.ChoiceField(label="Topic", initial="everything")
    length = forms.TypedChoiceField(
        label="Number of questions", coerce=int, choices=[(n, str(n)) for n in LENGTHS], initial=10
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = topic_choices()


class AnswerForm(forms.Form):
    """The learner's answer to one question. Field names come from the question, never from the client."""

    def __init__(self, *args, presented: Presented, **kwargs):
        super().__init__(*args, **kwargs)
        self.presented = presented
        if presented.fields:
            for f in presented.fields:
                self.fields[f.name] = forms.ChoiceField(
                    label=f.label,
                    choices=f.choices,
                    error_messages={"required": "Choose an owner for this one."},
                )
        elif presented.many:
            self.fields["choices"] = forms.MultipleChoiceField(
                choices=presented.choices, error_messages={"required": "Choose at least one answer."}
            )
        else:
            self.fields["choice"] = forms.ChoiceField(
                choices=presented.choices, error_messages={"required": "Choose an answer before checking it."}
            )

    def answer(self) -> dict:
        data = self.cleaned_data
        if self.presented.fields:
            return {"cells": {f.name: data[f.name] for f in self.presented.fields}}
        if self.presented.many:
            return {"choices": sorted(data["choices"])}
        return {"choice": data["choice"]}
