from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html

from lessons.models import MatrixCell
from lessons.pack import FACT_FIELDS

from . import questions
from .models import Attempt, Kind, Option, Origin, Question, Response


class OptionFormSet(forms.BaseInlineFormSet):
    """Authored choices: one right option for single-answer questions, two or more for multiple-answer ones."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        rows = [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        kind = self.instance.kind
        correct = sum(1 for row in rows if row.get("correct"))
        if kind in (Kind.SINGLE, Kind.MULTIPLE) and not 3 <= len(rows) <= 6:
            raise ValidationError("A multiple-choice question needs 3 to 6 options.")
        if kind == Kind.SINGLE and correct != 1:
            raise ValidationError(
                f"A single-answer question needs exactly one correct option, not {correct}."
            )
        if kind == Kind.MULTIPLE and not 2 <= correct < len(rows):
            raise ValidationError(
                "A multiple-answer question needs two or more correct options and a wrong one."
            )


class OptionInline(admin.TabularInline):
    model = Option
    formset = OptionFormSet
    fields = ["position", "text", "correct", "explanation", "misconception"]
    extra = 0
    autocomplete_fields = ["misconception"]


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = [
            "slug", "kind", "prompt", "explanation", "learn_more", "sources", "relies_on",
            "duties", "layers", "services", "categories", "group", "position",
        ]  # fmt: skip

    def clean_relies_on(self):
        facts = self.cleaned_data["relies_on"] or []
        if not isinstance(facts, list) or not all(
            isinstance(f, dict) and set(f) == set(FACT_FIELDS) for f in facts
        ):
            raise ValidationError('Write a list of {"service": ..., "layer": ..., "owner": ...} objects.')
        problems = []
        for fact in facts:
            cell = MatrixCell.objects.filter(service__slug=fact["service"], layer__slug=fact["layer"]).first()
            if cell is None:
                problems.append(f"No matrix cell for {fact['service']} / {fact['layer']}.")
            elif cell.owner != fact["owner"]:
                problems.append(
                    f"{fact['service']} / {fact['layer']} is {cell.owner} in the matrix, not {fact['owner']}."
                )
        if problems:
            raise ValidationError(problems)
        return facts

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") not in (Kind.SINGLE, Kind.MULTIPLE):
            raise ValidationError(
                "Staff author multiple-choice questions; the other kinds are generated from the data."
            )
        if not cleaned.get("layers"):
            self.add_error("layers", "Tag at least one layer: results are broken down by layer.")
        if not cleaned.get("sources"):
            self.add_error("sources", "Give at least one source, AWS's own pages first.")
        return cleaned


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    form = QuestionForm
    inlines = [OptionInline]
    list_display = ["slug", "kind", "origin", "retired", "preview_link"]
    list_filter = ["kind", "origin", "retired", "layers", "categories", "group"]
    search_fields = ["slug", "prompt", "explanation", "duty__statement"]
    filter_horizontal = ["duties", "layers", "services", "categories"]

    def has_change_permission(self, request, obj=None):
        # Generated questions are rebuilt from the data on every load: edit the data instead.
        if obj is not None and obj.origin == Origin.GENERATED:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        obj.origin = Origin.AUTHORED
        super().save_model(request, obj, form, change)

    @admin.display(description="Preview")
    def preview_link(self, obj):
        return format_html(
            '<a href="{}">Preview</a>', reverse("admin:quizzes_question_preview", args=[obj.pk])
        )

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [path("<int:pk>/preview/", preview, name="quizzes_question_preview"), *super().get_urls()]

    def preview_view(self, request, pk):
        question = get_object_or_404(Question, pk=pk)
        return render(
            request,
            "admin/quizzes/question_preview.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Preview: {question.slug}",
                "question": question,
                "presented": questions.present(question),
                "key": questions.correct_answer(question),
                "explanation": questions.explanation(question),
                "sources": questions.sources(question),
                "options": list(question.options.all()),
            },
        )


class ResponseInline(admin.TabularInline):
    model = Response
    fields = ["question", "correct", "score", "answered_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ["title", "learner", "started_at", "finished_at"]
    list_filter = ["topic"]
    readonly_fields = ["learner", "topic", "title", "started_at", "finished_at", "retry_of"]
    inlines = [ResponseInline]

    def has_add_permission(self, request):
        return False
