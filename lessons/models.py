"""The shared responsibility model as data: layers, categories, services, the matrix and what hangs off it."""

import math
import re

from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from .fields import ExamTasksField, LineListField, SourcesField
from .markdown import render_markdown
from .pack import term_letter


class Owner(models.TextChoices):
    """The owner vocabulary, defined once: values, labels, and how each owner is marked and explained."""

    AWS = "AWS", "AWS"
    CUSTOMER = "Customer", "Customer"
    SHARED = "Shared", "Shared"
    NOT_APPLICABLE = "N/A", "Not applicable"

    @property
    def css(self) -> str:
        """CSS modifier (owner-<css>): colour plus a pattern, never colour alone."""
        return OWNER_WORDS[self.value][0]

    @property
    def icon(self) -> str:
        return OWNER_WORDS[self.value][1]

    @property
    def sentence_label(self) -> str:
        """The owner as a learner picks it in a quiz."""
        return OWNER_WORDS[self.value][2]

    @property
    def meaning(self) -> str:
        return OWNER_WORDS[self.value][3]


# value -> (css modifier, icon, label in a sentence, what the owner means in a matrix cell)
OWNER_WORDS = {
    "AWS": ("aws", "▲", "AWS", "AWS secures it: security of the cloud."),
    "Customer": ("customer", "●", "The customer", "The customer secures it: security in the cloud."),
    "Shared": ("shared", "◆", "Both AWS and the customer (shared)", "Both have a concrete part."),
    "N/A": ("na", "–", "Not applicable", "The layer does not exist for this service."),
}


DUTY_OWNERS = [(value, label) for value, label in Owner.choices if value != Owner.NOT_APPLICABLE]


def changed_after_reports_field():
    return models.JSONField(
        default=list,
        blank=True,
        help_text="Numbers of the problem reports this item was changed after (content files record them).",
    )


def checked_on_field():
    return models.DateField(
        db_index=True, help_text="The day its sources were last checked against AWS's pages."
    )


class Positioned(models.Model):
    """Content keeps the order its authors gave it in the pack files."""

    slug = models.SlugField(max_length=100, unique=True)
    position = models.PositiveIntegerField(default=0, db_index=True)

    class Meta:
        abstract = True
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.slug


class Layer(models.Model):
    """One layer of the stack, from the physical data centre (order 1) up to the customer's data."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=120)
    order = models.PositiveSmallIntegerField(unique=True)
    description = models.TextField()

    class Meta:
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name


class Category(Positioned):
    name = models.CharField(max_length=120)
    summary = models.TextField()
    aws_manages = models.TextField()
    customer_manages = models.TextField()
    examples = LineListField(blank=True)
    two_category_home = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        help_text="Where this category falls in the two-category wording.",
    )
    sources = SourcesField()

    class Meta(Positioned.Meta):
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Wording(Positioned):
    """A way AWS material groups services (three categories, or two)."""

    name = models.CharField(max_length=120)
    description = models.TextField()
    categories = models.ManyToManyField(Category, related_name="wordings")
    sources = SourcesField()

    def __str__(self) -> str:
        return self.name


class Note(models.Model):
    """Pack-wide prose, such as how the two wordings differ and where sources disagree."""

    key = models.SlugField(max_length=50, unique=True)
    text = models.TextField()

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class ServiceQuerySet(models.QuerySet):
    def with_matrix(self):
        return self.select_related("category").prefetch_related(
            models.Prefetch("cells", queryset=MatrixCell.objects.select_related("layer"))
        )


class Service(Positioned):
    name = models.CharField(max_length=120, help_text='The official AWS name, e.g. "Amazon S3".')
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="services")
    category_inferred = models.BooleanField(
        default=False, help_text="AWS's category sources do not name this service; we placed it."
    )
    summary = models.TextField()
    sources = SourcesField()
    changed_after_reports = changed_after_reports_field()

    objects = ServiceQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("lessons:service_detail", args=[self.slug])


class MatrixCell(models.Model):
    """Who owns one layer of one service, and why."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="cells")
    layer = models.ForeignKey(Layer, on_delete=models.PROTECT, related_name="cells")
    owner = models.CharField(max_length=10, choices=Owner.choices)
    reason = models.TextField(help_text="One line: why this owner.")
    condition = models.TextField(blank=True, help_text="When the owner depends on how the service is used.")
    sources = SourcesField(blank=True)
    checked_on = checked_on_field()
    changed_after_reports = changed_after_reports_field()

    class Meta:
        ordering = ["service", "layer__order"]
        constraints = [
            models.UniqueConstraint(fields=["service", "layer"], name="one_cell_per_service_layer"),
            models.CheckConstraint(
                condition=models.Q(owner__in=Owner.values), name="matrix_cell_owner_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} / {self.layer}: {self.owner}"


STOP_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "how", "i", "if", "in",
    "is", "it", "its", "me", "my", "of", "on", "or", "should", "the", "their", "them", "they", "this", "to",
    "what", "when", "where", "which", "who", "whom", "whose", "why", "will", "with", "you", "your",
})  # fmt: skip
SEARCH_WORD = re.compile(r"[\w.-]+")


def search_words(text: str) -> list[str]:
    """The words of a search worth matching, with plural and verb endings trimmed (at most eight)."""
    words = []
    for word in SEARCH_WORD.findall(text.lower()):
        if word in STOP_WORDS:
            continue
        for ending in ("ing", "es", "ed", "s"):
            if word.endswith(ending) and len(word) - len(ending) >= 4:
                word = word.removesuffix(ending)
                break
        if word not in words:
            words.append(word)
    return words[:8]


class DutyQuerySet(models.QuerySet):
    def with_relations(self):
        return self.select_related("layer").prefetch_related("services", "categories")

    def owned_by(self, owner: str):
        return self.filter(owner=owner)

    def on_layer(self, slug: str):
        return self.filter(layer__slug=slug)

    def for_category(self, slug: str):
        """Duties naming the category, or naming one of its services."""
        ids = self.filter(models.Q(categories__slug=slug) | models.Q(services__category__slug=slug)).values(
            "pk"
        )
        return self.filter(pk__in=ids)

    def for_service(self, slug: str):
        """Duties naming the service, or naming the category it belongs to."""
        ids = self.filter(models.Q(services__slug=slug) | models.Q(categories__services__slug=slug)).values(
            "pk"
        )
        return self.filter(pk__in=ids)

    def search(self, text: str):
        """Duties that mention every word of the search (question words dropped, endings trimmed), in their
        text or in the names of their layer, services and categories: "who patches RDS" finds RDS patching."""
        words = search_words(text)
        if not words:
            return self.none()
        found = self
        for word in words:
            found = found.filter(
                models.Q(statement__icontains=word)
                | models.Q(explanation__icontains=word)
                | models.Q(layer__name__icontains=word)
                | models.Q(services__name__icontains=word)
                | models.Q(categories__name__icontains=word)
            )
        return self.filter(pk__in=found.values("pk"))

    def matching(self, *, owner="", layer="", category="", service="", q=""):
        """The duty explorer's filters; empty values filter nothing."""
        duties = self
        if owner:
            duties = duties.owned_by(owner)
        if layer:
            duties = duties.on_layer(layer)
        if category:
            duties = duties.for_category(category)
        if service:
            duties = duties.for_service(service)
        if q:
            duties = duties.search(q)
        return duties


class Duty(Positioned):
    """A concrete security task, who owns it, and on which layer."""

    statement = models.CharField(max_length=300)
    owner = models.CharField(max_length=10, choices=DUTY_OWNERS)
    layer = models.ForeignKey(Layer, on_delete=models.PROTECT, related_name="duties")
    services = models.ManyToManyField(Service, blank=True, related_name="duties")
    categories = models.ManyToManyField(Category, blank=True, related_name="duties")
    explanation = models.TextField()
    sources = SourcesField()
    exam_tasks = ExamTasksField()
    checked_on = checked_on_field()
    changed_after_reports = changed_after_reports_field()
    group = models.SlugField(
        max_length=50,
        default="general",
        help_text="The content file it lives in: content/duties/<group>.yaml.",
    )

    objects = DutyQuerySet.as_manager()

    class Meta(Positioned.Meta):
        verbose_name = "duty statement"
        verbose_name_plural = "duty statements"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(owner__in=[Owner.AWS, Owner.CUSTOMER, Owner.SHARED]),
                name="duty_owner_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.statement

    @property
    def owner_icon(self) -> str:
        return Owner(self.owner).icon


class Misconception(Positioned):
    myth = models.TextField()
    correction = models.TextField()
    wrong_owner = models.CharField(max_length=10, choices=DUTY_OWNERS, blank=True)
    layers = models.ManyToManyField(Layer, related_name="misconceptions")
    services = models.ManyToManyField(Service, blank=True, related_name="misconceptions")
    duties = models.ManyToManyField(Duty, blank=True, related_name="misconceptions")
    sources = SourcesField()
    exam_tasks = ExamTasksField()
    checked_on = checked_on_field()
    changed_after_reports = changed_after_reports_field()

    def __str__(self) -> str:
        return self.myth


class ControlType(Positioned):
    name = models.CharField(max_length=120)
    description = models.TextField()
    aws_part = models.TextField()
    customer_part = models.TextField()
    examples = LineListField()
    duties = models.ManyToManyField(
        Duty,
        blank=True,
        related_name="control_types",
        help_text="Duties that ask its AWS and customer parts.",
    )
    sources = SourcesField()

    def __str__(self) -> str:
        return self.name


class BestPractice(Positioned):
    title = models.CharField(max_length=200)
    summary = models.TextField()
    duties = models.ManyToManyField(Duty, related_name="best_practices")
    services = models.ManyToManyField(Service, blank=True, related_name="best_practices")
    other_tools = LineListField(blank=True)
    sources = SourcesField()

    def __str__(self) -> str:
        return self.title


class ComplianceTopic(Positioned):
    framework = models.CharField(max_length=200)
    aws_attests = models.TextField()
    customer_owns = models.TextField()
    sources = SourcesField()

    def __str__(self) -> str:
        return self.framework


class ExamTask(Positioned):
    exam = models.CharField(max_length=200)
    domain = models.CharField(max_length=200)
    title = models.CharField(max_length=300)
    skills = LineListField()
    related = LineListField(blank=True)
    sources = SourcesField()

    def __str__(self) -> str:
        return self.title


class GlossaryTermQuerySet(models.QuerySet):
    def alphabetical(self):
        return self.order_by(Lower("term"), "slug")

    def with_links(self):
        return self.prefetch_related(
            models.Prefetch("layers", queryset=Layer.objects.only("slug", "name", "order")),
            models.Prefetch("services", queryset=Service.objects.only("slug", "name").order_by("name")),
            models.Prefetch("lessons", queryset=Lesson.objects.only("slug", "title", "order")),
        )


class GlossaryTerm(Positioned):
    """A term the lessons use, its other forms, and what it means for the shared responsibility model."""

    term = models.CharField(max_length=120, help_text='As a learner reads it, e.g. "Server-side encryption".')
    aliases = LineListField(
        blank=True, help_text="Other forms lessons use (abbreviations, plurals that differ), one per line."
    )
    match_case = models.BooleanField(
        default=False,
        help_text='Link only where a lesson writes it with the same capitals ("Region", not "regions" of a country).',
    )
    definition = models.TextField(max_length=500, help_text="One to three plain sentences, in our own words.")
    layers = models.ManyToManyField(Layer, blank=True, related_name="glossary_terms")
    services = models.ManyToManyField(Service, blank=True, related_name="glossary_terms")
    lessons = models.ManyToManyField("Lesson", blank=True, related_name="glossary_terms")
    sources = SourcesField()
    checked_on = checked_on_field()

    objects = GlossaryTermQuerySet.as_manager()

    class Meta(Positioned.Meta):
        ordering = [Lower("term"), "slug"]

    def __str__(self) -> str:
        return self.term

    def get_absolute_url(self) -> str:
        return f"{reverse('lessons:glossary')}#{self.anchor}"

    @property
    def anchor(self) -> str:
        return f"term-{self.slug}"

    @property
    def letter(self) -> str:
        """The letter it is filed under on the glossary page ("#" for a digit or symbol)."""
        return term_letter(self.term)


class LessonQuerySet(models.QuerySet):
    def path(self):
        return self.order_by("order")

    def taught_up_to(self, slug: str) -> list[str]:
        """The topics a lesson and every lesson before it on the path teach (its lesson quiz draws on these)."""
        lesson = self.filter(slug=slug).first()
        if lesson is None:
            return []
        earlier = self.path().filter(order__lte=lesson.order)
        return list(dict.fromkeys(topic for x in earlier for topic in x.teaches))

    def teaching(self, topic: str) -> list["Lesson"]:
        """Lessons that declare they teach the topic, in path order (teaches is a JSON list: filter here)."""
        return [lesson for lesson in self.path() if topic in lesson.teaches]


WORDS_PER_MINUTE = 200


class Lesson(models.Model):
    """One page of the learning path. The body is authored Markdown, sanitized to HTML when loaded."""

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(unique=True)
    objectives = LineListField()
    summary = models.TextField()
    shows = LineListField(blank=True, help_text="Data blocks shown after the body (docs/content-format.md).")
    quiz = models.CharField(max_length=100, blank=True, help_text="Quiz topic for the end-of-lesson quiz.")
    teaches = LineListField(
        blank=True,
        help_text="Quiz topics this lesson is the place to learn (category:<slug>, layer:<slug>, ...).",
    )
    body = models.TextField(help_text="Markdown; raw HTML is stripped.")
    relies_on = models.JSONField(
        default=list,
        blank=True,
        help_text="Matrix facts the text states, checked by the loader: [{service (or every), layer, owner}].",
    )
    sources = SourcesField()

    objects = LessonQuerySet.as_manager()

    class Meta:
        ordering = ["order"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("lessons:lesson_detail", args=[self.slug])

    @property
    def body_html(self) -> str:
        return render_markdown(self.body)

    @property
    def reading_minutes(self) -> int:
        """Minutes to read it at 200 words a minute, plus one for each matrix or data block it shows."""
        words = len(" ".join(map(str, [self.body, self.summary, *self.objectives])).split())
        return max(1, math.ceil(words / WORDS_PER_MINUTE) + len(self.shows))


class LessonProgress(models.Model):
    """A lesson the learner marked as done."""

    learner = models.ForeignKey("learners.Learner", on_delete=models.CASCADE, related_name="lesson_progress")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    completed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["completed_at"]
        verbose_name_plural = "lesson progress"
        constraints = [models.UniqueConstraint(fields=["learner", "lesson"], name="one_progress_per_lesson")]

    def __str__(self) -> str:
        return f"{self.learner}: {self.lesson}"

    @classmethod
    def merge_learner(cls, *, source, target) -> None:
        """Move source's completions to target; a lesson both finished keeps the earlier completion."""
        done = dict(cls.objects.filter(learner=target).values_list("lesson_id", "completed_at"))
        for row in cls.objects.filter(learner=source):
            if row.lesson_id in done:
                if row.completed_at < done[row.lesson_id]:
                    cls.objects.filter(learner=target, lesson_id=row.lesson_id).update(
                        completed_at=row.completed_at
                    )
                row.delete()
            else:
                row.learner = target
                row.save(update_fields=["learner"])


class ContentVersion(models.Model):
    """One row whose number changes on every content write (load or admin edit).

    Pages and exports cached from the content are keyed on it; it lives in the database so every app
    process sees a change at once, whatever cache backend each one uses.
    """

    number = models.PositiveBigIntegerField()

    def __str__(self) -> str:
        return f"content version {self.number}"
