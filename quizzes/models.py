"""The quiz engine: questions (authored, or generated from the responsibility data), attempts and responses."""

import uuid

from django.db import models
from django.urls import reverse

from lessons.fields import SourcesField
from lessons.models import Category, ControlType, Duty, Layer, Misconception, Service


class Kind(models.TextChoices):
    OWNER = "owner", "Who is responsible?"
    MYTH_FACT = "myth_fact", "Myth or fact?"
    SINGLE = "single", "Multiple choice (one answer)"
    MULTIPLE = "multiple", "Multiple choice (several answers)"
    MATRIX = "matrix", "Fill in a service's matrix"
    SORT = "sort", "Sort statements by owner"
    CONTROL = "control", "Which control type?"


class Origin(models.TextChoices):
    AUTHORED = "authored", "Authored (content/questions)"
    GENERATED = "generated", "Generated from the responsibility data"


class QuestionQuerySet(models.QuerySet):
    def live(self):
        return self.filter(retired=False)

    def for_topic(self, topic: str):
        """Questions for a quiz topic: everything, category:<slug>, service:<slug>, misconceptions, control-types."""
        prefix, _, slug = topic.partition(":")
        if topic == "everything":
            return self.all()
        if topic == "misconceptions":
            return self.filter(
                models.Q(kind=Kind.MYTH_FACT, misconception__isnull=False)
                | models.Q(options__misconception__isnull=False)
            ).distinct()
        if topic == "control-types":
            return self.filter(models.Q(kind=Kind.CONTROL) | models.Q(learn_more="lesson:control-types"))
        if prefix == "category":
            return self.filter(
                models.Q(categories__slug=slug) | models.Q(services__category__slug=slug)
            ).distinct()
        if prefix == "service":
            return self.filter(services__slug=slug).distinct()
        return self.none()


class Question(models.Model):
    """One question. Generated questions hold references only: their wording and answer are read from the
    responsibility data at the moment they are shown or graded, so a quiz can never disagree with a lesson."""

    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.AUTHORED)
    prompt = models.TextField(blank=True)
    explanation = models.TextField(blank=True)
    learn_more = models.CharField(
        max_length=120, blank=True, help_text="service:<slug>, category:<slug> or lesson:<slug>"
    )
    sources = SourcesField(blank=True)
    # SET_NULL, not CASCADE: removing content retires its questions but keeps learners' responses.
    duty = models.ForeignKey(Duty, null=True, blank=True, on_delete=models.SET_NULL, related_name="questions")
    misconception = models.ForeignKey(
        Misconception, null=True, blank=True, on_delete=models.SET_NULL, related_name="questions"
    )
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="matrix_questions"
    )
    control_type = models.ForeignKey(ControlType, null=True, blank=True, on_delete=models.SET_NULL)
    relies_on = models.JSONField(
        default=list, blank=True, help_text="Matrix facts the answer depends on: [{service, layer, owner}]."
    )
    statement_is_true = models.BooleanField(null=True, blank=True, help_text="Myth-or-fact questions only.")
    duties = models.ManyToManyField(
        Duty,
        blank=True,
        related_name="authored_questions",
        help_text="Authored questions: the duties they test.",
    )
    layers = models.ManyToManyField(Layer, blank=True, related_name="questions")
    services = models.ManyToManyField(Service, blank=True, related_name="questions")
    categories = models.ManyToManyField(Category, blank=True, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    group = models.SlugField(
        max_length=50,
        blank=True,
        help_text="Authored questions: the file they live in, content/questions/<group>.yaml.",
    )
    retired = models.BooleanField(
        default=False, help_text="No longer drawn (its content left the pack); kept for past attempts."
    )

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.slug


class Option(models.Model):
    """A choice of an authored multiple-choice question."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(max_length=400)
    correct = models.BooleanField(default=False)
    explanation = models.TextField()
    misconception = models.ForeignKey(Misconception, null=True, blank=True, on_delete=models.SET_NULL)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.text


class SortItem(models.Model):
    """A duty statement to place under AWS, Customer or Shared in a sort question."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="sort_items")
    duty = models.ForeignKey(Duty, null=True, on_delete=models.SET_NULL, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["question", "duty"], name="one_sort_item_per_duty")]

    def __str__(self) -> str:
        return f"{self.question}: {self.duty}"


class Attempt(models.Model):
    """One sitting of a quiz by one learner. Its public id is unguessable."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    learner = models.ForeignKey("learners.Learner", on_delete=models.CASCADE, related_name="attempts")
    topic = models.CharField(max_length=120)
    title = models.CharField(max_length=200)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    retry_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries"
    )

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.started_at:%Y-%m-%d %H:%M})"

    def get_absolute_url(self) -> str:
        return reverse("quizzes:attempt_detail", args=[self.pk])

    @classmethod
    def merge_learner(cls, *, source, target) -> None:
        # Attempts are independent sittings: they all move, none can collide.
        cls.objects.filter(learner=source).update(learner=target)


class AttemptQuestion(models.Model):
    """The questions drawn for an attempt, in order."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="slots")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="one_question_per_position"),
            models.UniqueConstraint(fields=["attempt", "question"], name="no_repeats_in_an_attempt"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt} #{self.position}"


class Response(models.Model):
    """A learner's graded answer. One per attempt and question, enforced by the database."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="responses")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="responses")
    answer = models.JSONField()
    correct = models.BooleanField()
    score = models.FloatField(help_text="0 to 1; matrix and sort questions earn part marks per cell.")
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["answered_at"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="one_response_per_question")
        ]

    def __str__(self) -> str:
        return f"{self.attempt}: {self.question} ({'right' if self.correct else 'wrong'})"
