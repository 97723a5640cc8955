from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html

from lessons.models import Category, Lesson, MatrixCell, Service
from lessons.pack import learn_more_problem, option_problems, relies_on_problems

from . import kinds
from .models import Attempt, Kind, Option, Origin, Question, Response


class OptionFormSet(forms.BaseInlineFormSet):
    """Authored choices, checked with the same rules the pack loader applies (lessons.pack.option_problems)."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        rows = [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        problems = option_problems(self.instance.kind, rows)
        positions = [row.get("position") for row in rows]
        if len(positions) != len(set(positions)):
            problems.append("each option needs its own position")
        if problems:
            raise ValidationError([p[0].upper() + p[1:] + "." for p in problems])


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
            "duties", "layers", "services", "categories", "exam_tasks", "checked_on", "group", "position",
        ]  # fmt: skip

    def clean_relies_on(self):
        facts = self.cleaned_data["relies_on"] or []
        pairs = [(f.get("service"), f.get("layer")) for f in facts if isinstance(f, dict)]
        cells = {
            (c.service.slug, c.layer.slug): c.owner
            for c in MatrixCell.objects.filter(
                service__slug__in=[s for s, _ in pairs], layer__slug__in=[x for _, x in pairs]
            ).select_related("service", "layer")
        }
        problems = relies_on_problems(facts, cells)
        if problems:
            raise ValidationError(problems)
        return facts

    def clean_learn_more(self):
        value = self.cleaned_data["learn_more"]
        targets = {
            "service": set(Service.objects.values_list("slug", flat=True)),
            "category": set(Category.objects.values_list("slug", flat=True)),
            "lesson": set(Lesson.objects.values_list("slug", flat=True)),
        }
        problem = learn_more_problem(value, targets)
        if problem:
            raise ValidationError(problem)
        return value

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
    list_display = ["slug", "kind", "origin", "retired", "checked_on", "preview_link"]
    list_filter = ["kind", "origin", "retired", "layers", "categories", "group", "checked_on"]
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
        # The preview shows the answer key: the same permission as the question's change page.
        if not self.has_view_or_change_permission(request, question):
            raise PermissionDenied
        if question.retired:
            snapshot = None
        else:
            kinds.load([question])
            snapshot = kinds.snapshot(question)
        return render(
            request,
            "admin/quizzes/question_preview.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Preview: {question.slug}",
                "question": question,
                "snapshot": snapshot,
                "presented": kinds.Presented.from_dict(snapshot) if snapshot else None,
                "options": list(question.options.select_related("misconception")),
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
    list_display = ["title", "learner", "mode", "started_at", "finished_at"]
    list_filter = ["topic", "mode"]
    readonly_fields = [
        "learner", "mode", "topic", "title", "started_at", "finished_at", "retry_of", "total", "answered_count", "score",
    ]  # fmt: skip
    inlines = [ResponseInline]

    def has_add_permission(self, request):
        return False
