from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import escape, format_html

from . import documents
from .forms import BestPracticeForm, DutyForm, GlossaryTermForm, MatrixCellFormSet
from .models import (
    BestPractice,
    Category,
    ComplianceTopic,
    ControlType,
    Duty,
    ExamTask,
    GlossaryTerm,
    Layer,
    MatrixCell,
    Misconception,
    Note,
    Service,
    Wording,
)


class EscapedHelpTextMixin:
    """The admin prints help texts unescaped, which would swallow placeholders such as `<group>`."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and formfield.help_text:
            formfield.help_text = escape(formfield.help_text)
        return formfield


class CheckboxesMixin:
    """Every many-to-many field is a list of checkboxes: labelled, usable by keyboard and without JavaScript;
    a long list (services, hundreds of duties) scrolls in its own box (static/css/admin.css), and the
    browser's find-in-page reaches every choice.

    Not Django's `filter_horizontal` (its search icons carry an aria-label axe rejects) nor
    `autocomplete_fields` (select2's search box has no label): both are Django's markup, see docs/notes.md.
    """

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple(attrs={"class": "checkbox-list"}))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class NamedEmptyValuesFilter(admin.AllValuesFieldListFilter):
    """Django's all-values filter, with a visible name for the empty value (an empty link has no name)."""

    def choices(self, changelist):
        for choice in super().choices(changelist):
            if choice["display"] == "":
                choice = {**choice, "display": "(blank)"}
            yield choice


class ContentAdmin(EscapedHelpTextMixin, CheckboxesMixin, admin.ModelAdmin):
    """Content edited here is validated like the pack, and invalidates cached exports when saved."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        documents.content_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        documents.content_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        documents.content_changed()


class LayerDutyInline(admin.TabularInline):
    model = Duty
    fields = ["statement", "owner", "group"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = "Duty statements on this layer (edit each through its link)"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Layer)
class LayerAdmin(ContentAdmin):
    list_display = ["order", "name", "slug"]
    list_display_links = ["name"]
    search_fields = ["name", "description"]
    inlines = [LayerDutyInline]

    def has_add_permission(self, request):
        # A new layer would leave every service without an owner for it: add layers in content/layers.yaml.
        return False


@admin.register(Category)
class CategoryAdmin(ContentAdmin):
    list_display = ["name", "slug", "two_category_home", "position"]
    search_fields = ["name", "summary"]


@admin.register(Wording)
class WordingAdmin(ContentAdmin):
    list_display = ["name", "slug"]


@admin.register(Note)
class NoteAdmin(ContentAdmin):
    list_display = ["key"]


class MatrixCellInline(admin.StackedInline):  # stacked: each field has its label
    model = MatrixCell
    formset = MatrixCellFormSet
    fields = ["layer", "owner", "reason", "condition", "sources", "checked_on"]
    extra = 0
    ordering = ["layer__order"]

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj else Layer.objects.count()


class ServiceDutyInline(admin.TabularInline):
    """The duties naming this service, each linked to its own page, where its services are ticked: a
    select of all 448 duties per row made this page about 1 MB and 3 s to load."""

    model = Duty.services.through
    fields = ["duty_link"]
    readonly_fields = fields
    verbose_name = "duty statement"
    verbose_name_plural = "Duty statements that name this service (tick services on each duty's page)"
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("duty")

    @admin.display(description="Duty statement")
    def duty_link(self, row):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:lessons_duty_change", args=[row.duty_id]),
            row.duty.statement,
        )


@admin.register(Service)
class ServiceAdmin(ContentAdmin):
    list_display = ["name", "slug", "category", "category_inferred"]
    list_filter = ["category", "category_inferred"]
    search_fields = ["name", "slug", "summary"]
    inlines = [MatrixCellInline, ServiceDutyInline]

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, MatrixCellInline) and obj.pk is None and request.method == "GET":
            kwargs["initial"] = [{"layer": layer} for layer in Layer.objects.all()]
        return kwargs


@admin.register(MatrixCell)
class MatrixCellAdmin(ContentAdmin):
    list_display = ["service", "layer", "owner", "reason", "checked_on"]
    list_filter = ["owner", "layer", "service__category", "service"]
    list_select_related = ["service", "layer"]
    search_fields = ["reason", "condition", "service__name"]

    def has_add_permission(self, request):
        return False  # cells are edited with their service, where every layer is checked

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Duty)
class DutyAdmin(ContentAdmin):
    form = DutyForm
    list_display = ["statement", "owner", "layer", "group", "checked_on"]
    list_filter = ["owner", "layer", "categories", "services__category", "services", "group", "checked_on"]
    list_select_related = ["layer"]
    search_fields = ["statement", "explanation", "slug"]


@admin.register(Misconception)
class MisconceptionAdmin(ContentAdmin):
    list_display = ["myth", "wrong_owner", "checked_on"]
    list_filter = ["wrong_owner", "layers", "services__category", "checked_on"]
    search_fields = ["myth", "correction", "slug"]


@admin.register(ControlType)
class ControlTypeAdmin(ContentAdmin):
    list_display = ["name", "slug"]


@admin.register(BestPractice)
class BestPracticeAdmin(ContentAdmin):
    form = BestPracticeForm
    list_display = ["title", "slug"]
    list_filter = ["services"]
    search_fields = ["title", "summary"]


@admin.register(ComplianceTopic)
class ComplianceTopicAdmin(ContentAdmin):
    list_display = ["framework", "slug"]
    search_fields = ["framework", "aws_attests", "customer_owns"]


@admin.register(ExamTask)
class ExamTaskAdmin(ContentAdmin):
    list_display = ["title", "exam"]


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(ContentAdmin):
    form = GlossaryTermForm
    list_display = ["term", "slug", "checked_on"]
    list_filter = ["layers", "checked_on"]
    search_fields = ["term", "definition", "slug"]
