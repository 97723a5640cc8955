"""Admin forms for content: the same rules the pack loader enforces (lessons/pack.py)."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from .models import BestPractice, Duty, GlossaryTerm, MatrixCell, Owner, Service
from .pack import (
    best_practice_problems,
    duty_scope_problem,
    glossary_alias_problems,
    owner_conflict,
    term_key,
)


def duty_conflicts(*, owner: str, layer, services, categories) -> list[str]:
    """Every service the duty applies to whose matrix cell on its layer disagrees with its owner."""
    service_q = Q(service__in=services) | Q(service__category__in=categories)
    cells = {
        cell.service: cell.owner
        for cell in MatrixCell.objects.filter(service_q, layer=layer).select_related("service")
    }
    affected = set(services) | set(Service.objects.filter(category__in=categories))
    problems = []
    for service in sorted(affected, key=lambda s: s.name):
        why = owner_conflict(owner, cells.get(service))
        if why:
            problems.append(f"{service.name} {why}.")
    return problems


class DutyForm(forms.ModelForm):
    class Meta:
        model = Duty
        fields = [
            "slug",
            "statement",
            "owner",
            "layer",
            "services",
            "categories",
            "explanation",
            "sources",
            "exam_tasks",
            "checked_on",
            "group",
            "position",
        ]

    def clean(self):
        cleaned = super().clean()
        services = list(cleaned.get("services") or [])
        categories = list(cleaned.get("categories") or [])
        rule = duty_scope_problem(services, categories)
        if rule:
            raise ValidationError(f"This duty {rule}.")
        if cleaned.get("owner") and cleaned.get("layer"):
            problems = duty_conflicts(
                owner=cleaned["owner"], layer=cleaned["layer"], services=services, categories=categories
            )
            if problems:
                raise ValidationError(["The owner disagrees with the responsibility matrix:", *problems])
        return cleaned


class BestPracticeForm(forms.ModelForm):
    class Meta:
        model = BestPractice
        fields = ["slug", "title", "summary", "duties", "services", "other_tools", "sources", "position"]

    def clean_duties(self):
        duties = self.cleaned_data["duties"]
        problems = best_practice_problems({d.slug: d.owner for d in duties})
        if problems:
            raise ValidationError([p[0].upper() + p[1:] + "." for p in problems])
        return duties


class GlossaryTermForm(forms.ModelForm):
    class Meta:
        model = GlossaryTerm
        fields = [
            "slug",
            "term",
            "aliases",
            "match_case",
            "definition",
            "layers",
            "services",
            "lessons",
            "sources",
            "checked_on",
            "position",
        ]

    def clean(self):
        cleaned = super().clean()
        if "term" not in cleaned or "aliases" not in cleaned:
            return cleaned
        others = GlossaryTerm.objects.exclude(pk=self.instance.pk).values_list("slug", "term", "aliases")
        taken = {term_key(name): slug for slug, term, aliases in others for name in (term, *aliases)}
        problems = glossary_alias_problems(cleaned["term"], cleaned["aliases"], taken, slug="")
        if problems:
            raise ValidationError([p[0].upper() + p[1:] + "." for p in problems])
        return cleaned


class MatrixCellFormSet(forms.BaseInlineFormSet):
    """A service's cells: exactly one per layer, each agreeing with the duties on that layer."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        from .models import Layer

        rows = [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        layers = [row["layer"] for row in rows]
        missing = set(Layer.objects.all()) - set(layers)
        if missing:
            raise ValidationError(
                f"Every layer needs an owner; missing: {', '.join(sorted(map(str, missing)))}."
            )
        if len(layers) != len(set(layers)):
            raise ValidationError("Each layer may have only one cell.")
        service = self.instance
        duties = (
            Duty.objects.filter(categories=service.category_id)
            if service.category_id
            else Duty.objects.none()
        )
        if service.pk:
            duties = duties | Duty.objects.filter(services=service)
        by_layer: dict[int, list[Duty]] = {}
        for duty in duties.distinct():
            by_layer.setdefault(duty.layer_id, []).append(duty)
        problems = []
        for row in rows:
            for duty in by_layer.get(row["layer"].pk, []):
                why = owner_conflict(duty.owner, row["owner"])
                if why:
                    problems.append(
                        f'{row["layer"]}: duty "{duty.statement}" says {duty.owner}, the cell says {row["owner"]}.'
                    )
        if problems:
            raise ValidationError(["These cells disagree with duty statements:", *problems])


class CompareForm(forms.Form):
    """Two to four services to compare; slugs in the query string make the URL shareable."""

    services = forms.MultipleChoiceField(
        label="Services to compare",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "%(value)s is not a service in this app."},
    )

    def __init__(self, *args, service_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].choices = service_choices

    def clean_services(self):
        chosen = self.cleaned_data["services"]
        names = dict(self.fields["services"].choices)
        twice = sorted({names[slug] for slug in chosen if chosen.count(slug) > 1})
        if twice:
            raise ValidationError(f"Choose each service once ({' and '.join(twice)} came more than once).")
        if not 2 <= len(chosen) <= 4:
            raise ValidationError(f"Choose two to four services (you chose {len(chosen)}).")
        return chosen


class DutyFilterForm(forms.Form):
    """Filters for the duty explorer; every field optional, unknown values are reported, not ignored."""

    q = forms.CharField(label="Search", required=False, max_length=100)
    owner = forms.ChoiceField(label="Owner", required=False)
    layer = forms.ChoiceField(label="Layer", required=False)
    category = forms.ChoiceField(label="Category", required=False)
    service = forms.ChoiceField(label="Service", required=False)

    def __init__(self, *args, layers, categories, services, **kwargs):
        super().__init__(*args, **kwargs)
        anything = [("", "Any")]
        self.fields["owner"].choices = anything + [(o, o) for o in (Owner.AWS, Owner.CUSTOMER, Owner.SHARED)]
        self.fields["layer"].choices = anything + [(x.slug, x.name) for x in layers]
        self.fields["category"].choices = anything + [(x.slug, x.name) for x in categories]
        self.fields["service"].choices = anything + [(x.slug, x.name) for x in services]
