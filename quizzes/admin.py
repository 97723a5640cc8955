from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html

from lessons.admin import ContentAdmin, NamedEmptyValuesFilter
from lessons.models import Category, Lesson, MatrixCell, Service
from lessons.pack import learn_more_problem, option_problems, relies_on_problems

from . import feedback, kinds
from .forms import AnswerForm
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


class OptionInline(admin.StackedInline):  # stacked: each field has its label
    model = Option
    formset = OptionFormSet
    fields = ["position", "text", "correct", "explanation", "misconception"]
    extra = 0


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


def answer_key(snapshot: dict) -> list[dict]:
    """The key in the words the learner sees, one line per option or row, each with its reason.

    Choice kinds: every option, right or wrong, with why and the misconception a wrong one sets off.
    Row kinds (a service's matrix, a sort): every row with its right owner and why.
    """
    key = snapshot.get("key", {})
    reasons = snapshot.get("reasons", {})
    if "cells" in key:
        names = {value: label for row in snapshot.get("rows", []) for value, label in row["choices"] if value}
        return [
            {
                "label": row["label"],
                "answer": names.get(key["cells"].get(row["name"]), "?"),
                "right": True,
                "reason": reasons.get(row["name"], ""),
            }
            for row in snapshot.get("rows", [])
        ]
    right = {str(v) for v in key.get("choices", [key["choice"]] if "choice" in key else [])}
    traps = snapshot.get("traps", {})
    return [
        {
            "label": label,
            "right": str(value) in right,
            "reason": reasons.get(str(value), ""),
            "myth": traps.get(str(value), {}).get("myth", ""),
        }
        for value, label in snapshot.get("choices", [])
    ]


PREVIEW = "_preview"  # the add/change form's "Preview" button


@admin.register(Question)
class QuestionAdmin(ContentAdmin):  # a save changes the content version: quiz pages cache under it
    form = QuestionForm
    inlines = [OptionInline]
    list_display = ["slug", "kind", "origin", "retired", "checked_on", "preview_link"]
    list_filter = [
        "kind",
        "origin",
        "retired",
        "layers",
        "categories",
        ("group", NamedEmptyValuesFilter),
        "checked_on",
    ]
    search_fields = ["slug", "prompt", "explanation", "duty__statement"]

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
        return self.render_preview(request, question)

    def render_preview(self, request, question, *, unsaved: bool = False):
        """The question as the learner sees it, then its key, reasons and sources in words (rendered now,
        so an unsaved preview is read before its transaction is rolled back)."""
        snapshot = presented = learn_more = None
        if not question.retired:
            question = Question.objects.select_related(*kinds.JOINS).get(pk=question.pk)
            kinds.load([question])
            lookups = kinds.Lookups()
            snapshot = kinds.snapshot(question, lookups)
            presented = kinds.Presented.from_dict(snapshot)
            learn_more = feedback.learn_more(question, lookups)
        return render(
            request,
            "admin/quizzes/question_preview.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": f"Preview: {question.slug}",
                "question": question,
                "unsaved": unsaved,
                "snapshot": snapshot,
                "presented": presented,
                "form": AnswerForm(presented=presented) if presented else None,
                "kind_template": kinds.kind_module(question.kind).TEMPLATE,
                "key": answer_key(snapshot) if snapshot else [],
                "learn_more": learn_more,
            },
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST" or PREVIEW not in request.POST:
            return super().changeform_view(request, object_id, form_url, extra_context)
        # Preview before saving: the form is checked and saved exactly as "Save" would (same permission,
        # same validation, CSRF from the admin), the preview is drawn from what was saved, and everything,
        # the log entry included, is rolled back. Invalid input comes back as the form with its errors.
        with transaction.atomic(using=router.db_for_write(Question)):
            response = super().changeform_view(
                request, object_id, form_url, {**(extra_context or {}), "preview_refused": True}
            )
            if hasattr(response, "render"):
                response.render()
            transaction.set_rollback(True)
        return response

    def response_add(self, request, obj, post_url_continue=None):
        if PREVIEW in request.POST:
            return self.render_preview(request, obj, unsaved=True)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if PREVIEW in request.POST:
            return self.render_preview(request, obj, unsaved=True)
        return super().response_change(request, obj)


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
