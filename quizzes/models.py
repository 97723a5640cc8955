"""The quiz engine: questions (authored, or generated from the responsibility data), attempts and responses."""

import uuid

from django.db import models
from django.urls import reverse

from lessons.fields import ExamTasksField, SourcesField
from lessons.models import (
    DUTY_OWNERS,
    Category,
    ControlType,
    Duty,
    Layer,
    Lesson,
    Misconception,
    Owner,
    Service,
)
from lessons.pack import parse_topic


class Kind(models.TextChoices):
    """Question kinds; each is one module in quizzes/kinds/ (dispatched in quizzes.kinds.kind_module)."""

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


class Mode(models.TextChoices):
    """How an attempt is sat. A new mode (exam, review, classroom) adds a value
    here and one `match` on it where its behaviour differs, and grades through the same functions."""

    PRACTICE = "practice", "Practice: feedback after every answer"
    EXAM = "exam", "Exam: timed, feedback at the end"
    REVIEW = "review", "Spaced review of the cards that are due"


class QuestionQuerySet(models.QuerySet):
    def live(self):
        return self.filter(retired=False)

    def for_topic(self, topic: str):
        """Questions on a topic in the grammar of lessons.pack.parse_topic; unknown topics match nothing."""
        parsed = parse_topic(topic)
        match parsed.name if parsed else None:
            case "everything":
                return self.all()
            case "misconceptions":
                return self.filter(
                    models.Q(misconception__isnull=False) | models.Q(options__misconception__isnull=False)
                ).distinct()
            case "control-types":
                taught_in = [f"lesson:{x.slug}" for x in Lesson.objects.teaching("control-types")]
                return self.filter(models.Q(kind=Kind.CONTROL) | models.Q(learn_more__in=taught_in))
            case "category":
                return self.filter(
                    models.Q(categories__slug=parsed.slug) | models.Q(services__category__slug=parsed.slug)
                ).distinct()
            case "service":
                return self.filter(services__slug=parsed.slug).distinct()
            case "layer":
                return self.filter(layers__slug=parsed.slug).distinct()
            case "lesson":
                taught: set[int] = set()
                for lesson_topic in Lesson.objects.taught_up_to(parsed.slug):
                    taught |= set(Question.objects.for_topic(lesson_topic).values_list("pk", flat=True))
                return self.filter(pk__in=taught)
            case "task":
                # exam_tasks is a short JSON list; filtering it in Python works the same on every database.
                tagged = [pk for pk, tasks in self.values_list("pk", "exam_tasks") if parsed.slug in tasks]
                return self.filter(pk__in=tagged)
        return self.none()


def retire_question(collector, field, sub_objs, using) -> None:
    """on_delete for a question's content: the question leaves the bank, its answers keep their snapshot."""
    collector.add_field_update(Question._meta.get_field("retired"), True, sub_objs)
    collector.add_field_update(field, None, sub_objs)


def _needs(kind: str, **refs) -> models.Q:
    """A live question of this kind has these references set (a retired one may have lost them)."""
    return ~models.Q(kind=kind) | models.Q(retired=True) | models.Q(**refs)


class Question(models.Model):
    """One question. Generated questions hold references only: their wording and answer are read from the
    responsibility data when they are shown or graded, so a quiz can never disagree with a lesson. What the
    learner saw and the key it was graded against are kept on the Response (Response.snapshot)."""

    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.AUTHORED)
    prompt = models.TextField(blank=True)
    explanation = models.TextField(blank=True)
    learn_more = models.CharField(
        max_length=120, blank=True, help_text="service:<slug>, category:<slug> or lesson:<slug>"
    )
    sources = SourcesField(blank=True)
    # Removing content retires its questions (retire_question) and keeps learners' responses.
    duty = models.ForeignKey(Duty, null=True, blank=True, on_delete=retire_question, related_name="questions")
    misconception = models.ForeignKey(
        Misconception, null=True, blank=True, on_delete=retire_question, related_name="questions"
    )
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=retire_question, related_name="matrix_questions"
    )
    control_type = models.ForeignKey(ControlType, null=True, blank=True, on_delete=retire_question)
    relies_on = models.JSONField(
        default=list, blank=True, help_text="Matrix facts the answer depends on: [{service, layer, owner}]."
    )
    claimed_owner = models.CharField(
        max_length=10,
        choices=DUTY_OWNERS,
        blank=True,
        help_text="Myth-or-fact questions: the owner the statement claims; a fact when it is the duty's owner.",
    )
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
    exam_tasks = ExamTasksField(
        blank=True, help_text="CLF-C02 tasks it serves; generated questions take their duty's or myth's."
    )
    checked_on = models.DateField(
        null=True,
        blank=True,
        db_index=True,
        help_text="When its sources were last checked; generated questions take their content's date.",
    )
    changed_after_reports = models.JSONField(
        default=list, blank=True, help_text="Numbers of the problem reports it was changed after."
    )

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "slug"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=Kind.values), name="question_kind_valid"),
            models.CheckConstraint(condition=_needs(Kind.OWNER, duty__isnull=False), name="owner_has_duty"),
            models.CheckConstraint(
                condition=_needs(Kind.MYTH_FACT, duty__isnull=False, claimed_owner__in=Owner.values),
                name="myth_fact_has_duty_and_claim",
            ),
            models.CheckConstraint(
                condition=_needs(Kind.CONTROL, control_type__isnull=False), name="control_has_control_type"
            ),
            models.CheckConstraint(
                condition=_needs(Kind.MATRIX, service__isnull=False), name="matrix_has_service"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=[Kind.SINGLE, Kind.MULTIPLE, Kind.SORT]) | ~models.Q(prompt=""),
                name="authored_and_sort_have_prompt",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=[Kind.SINGLE, Kind.MULTIPLE, Kind.SORT, Kind.CONTROL])
                | models.Q(duty__isnull=True, service__isnull=True),
                name="choice_and_sort_have_no_duty_or_service",
            ),
        ]

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
        # The loader upserts options by (question, position): an option keeps its id across reloads.
        constraints = [
            models.UniqueConstraint(fields=["question", "position"], name="one_option_per_position")
        ]

    def __str__(self) -> str:
        return self.text


class SortItem(models.Model):
    """A duty statement to place under AWS, Customer or Shared in a sort question."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="sort_items")
    duty = models.ForeignKey(Duty, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["question", "duty"], name="one_sort_item_per_duty")]

    def __str__(self) -> str:
        return f"{self.question}: {self.duty}"


class AttemptQuerySet(models.QuerySet):
    def for_learner(self, learner):
        return self.filter(learner=learner) if learner else self.none()

    def finished(self):
        return self.filter(finished_at__isnull=False)


class Attempt(models.Model):
    """One sitting of a quiz by one learner. Its public id is unguessable.

    total, answered_count and score are kept by quizzes.grading.record_answer in the same transaction as
    each response, so pages read them instead of counting; finished_at is set when nothing is left open."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    learner = models.ForeignKey("learners.Learner", on_delete=models.CASCADE, related_name="attempts")
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.PRACTICE)
    topic = models.CharField(max_length=120)
    title = models.CharField(max_length=200)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    retry_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries"
    )
    total = models.PositiveSmallIntegerField(default=0, help_text="Questions drawn.")
    answered_count = models.PositiveSmallIntegerField(default=0)
    score = models.FloatField(default=0, help_text="Sum of the responses' scores.")
    deadline = models.DateTimeField(
        null=True, blank=True, help_text="Exams: the server's deadline; no answer counts after it."
    )

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(answered_count__lte=models.F("total")), name="answered_le_total"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.started_at:%Y-%m-%d %H:%M})"

    def get_absolute_url(self) -> str:
        return reverse("quizzes:attempt_detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None

    @property
    def percent(self) -> int:
        return round(100 * self.score / self.total) if self.total else 0

    @classmethod
    def merge_learner(cls, *, source, target) -> None:
        # Attempts are independent sittings: they all move, none can collide.
        cls.objects.filter(learner=source).update(learner=target)


class AttemptQuestion(models.Model):
    """The questions drawn for an attempt, in order."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="slots")
    # PROTECT: a question in any attempt is retired, never deleted (a deleted one left "Question 20 of 19").
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
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
    """A learner's graded answer. One per attempt and question, enforced by the database.

    snapshot is the question as the learner saw it and the key it was graded against (see
    quizzes.kinds): results, history and feedback read it, so later content edits never change a past
    answer's verdict or its explanation."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="responses")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="responses")
    answer = models.JSONField()
    correct = models.BooleanField()
    score = models.FloatField(help_text="0 to 1; matrix and sort questions earn part marks per cell.")
    snapshot = models.JSONField(
        default=dict, help_text="Prompt, choices, key, explanation and sources as graded."
    )
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["answered_at"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="one_response_per_question"),
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=1), name="response_score_0_to_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attempt}: {self.question} ({'right' if self.correct else 'wrong'})"


class ExamDraft(models.Model):
    """An exam answer before submission: it can change until the exam is submitted or time runs out,
    when quizzes.exam.finish_exam grades every draft through record_answer like any other answer."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="drafts")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    answer = models.JSONField(null=True, blank=True)
    guessed = models.BooleanField(default=False)
    flagged = models.BooleanField(default=False)
    seconds = models.PositiveIntegerField(default=0, help_text="Time spent on the question so far.")
    opened_at = models.DateTimeField(null=True, blank=True, help_text="When the question was last shown.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["attempt", "question"], name="one_draft_per_question")]

    def __str__(self) -> str:
        return f"{self.attempt}: {self.question}"


class CardState(models.IntegerChoices):
    """fsrs.State values."""

    LEARNING = 1, "Learning"
    REVIEW = 2, "Review"
    RELEARNING = 3, "Relearning"


class ReviewCardQuerySet(models.QuerySet):
    def for_learner(self, learner):
        return self.filter(learner=learner) if learner else self.none()

    def active(self):
        """Cards whose question is still in the bank; a retired question's card is suspended, not lost."""
        return self.filter(question__retired=False)

    def due(self, now):
        return self.active().filter(due__lte=now)


class ReviewCard(models.Model):
    """FSRS state of one question for one learner, in plain columns (fsrs.Card.to_dict() one-to-one)."""

    learner = models.ForeignKey("learners.Learner", on_delete=models.CASCADE, related_name="review_cards")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="review_cards")
    state = models.PositiveSmallIntegerField(choices=CardState.choices, default=CardState.LEARNING)
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    stability = models.FloatField(null=True, blank=True, help_text="Days until recall falls to 90%.")
    difficulty = models.FloatField(null=True, blank=True)
    due = models.DateTimeField(db_index=True)
    last_review = models.DateTimeField(null=True, blank=True)
    reviews = models.PositiveIntegerField(default=0)

    objects = ReviewCardQuerySet.as_manager()

    class Meta:
        ordering = ["due"]
        constraints = [models.UniqueConstraint(fields=["learner", "question"], name="one_card_per_question")]
        indexes = [models.Index(fields=["learner", "due"], name="card_learner_due")]

    def __str__(self) -> str:
        return f"{self.learner}: {self.question} (due {self.due:%Y-%m-%d})"

    @classmethod
    def merge_learner(cls, *, source, target) -> None:
        """Move source's cards to target; a question both have keeps the card reviewed last, with both logs."""
        theirs = {c.question_id: c for c in cls.objects.filter(learner=target)}
        for card in cls.objects.filter(learner=source):
            other = theirs.get(card.question_id)
            if other is None:
                card.learner = target
                card.save(update_fields=["learner"])
                continue
            keep, drop = (
                (card, other)
                if (card.last_review or card.due) > (other.last_review or other.due)
                else (other, card)
            )
            ReviewLog.objects.filter(card=drop).update(card=keep)
            keep.learner = target
            keep.reviews = card.reviews + other.reviews
            drop.delete()
            keep.save(update_fields=["learner", "reviews"])


class Rating(models.IntegerChoices):
    """fsrs.Rating values the app gives: wrong is Again, right but guessed is Hard, right is Good."""

    AGAIN = 1, "Again (wrong)"
    HARD = 2, "Hard (right, but guessed)"
    GOOD = 3, "Good (right)"


class ReviewLog(models.Model):
    """One FSRS update of a card, and the answer that caused it."""

    card = models.ForeignKey(ReviewCard, on_delete=models.CASCADE, related_name="logs")
    rating = models.PositiveSmallIntegerField(choices=Rating.choices)
    reviewed_at = models.DateTimeField()
    response = models.ForeignKey(Response, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["reviewed_at"]

    def __str__(self) -> str:
        return f"{self.card}: {self.get_rating_display()} at {self.reviewed_at:%Y-%m-%d %H:%M}"


class ReviewSettings(models.Model):
    """A learner's spaced-review choices."""

    learner = models.OneToOneField(
        "learners.Learner", on_delete=models.CASCADE, related_name="review_settings"
    )
    retention = models.FloatField(default=0.9, help_text="Chance of recalling a card when it falls due.")
    daily_cap = models.PositiveSmallIntegerField(default=20, help_text="Most cards served in a day.")

    class Meta:
        verbose_name_plural = "review settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(retention__gte=0.8, retention__lte=0.95), name="retention_0_80_to_0_95"
            ),
            models.CheckConstraint(condition=models.Q(daily_cap__gte=1), name="daily_cap_at_least_1"),
        ]

    def __str__(self) -> str:
        return f"{self.learner}: {self.retention:.2f}, {self.daily_cap} a day"

    @classmethod
    def merge_learner(cls, *, source, target) -> None:
        # The account's own choices win; an account without any takes the browser's.
        if cls.objects.filter(learner=target).exists():
            cls.objects.filter(learner=source).delete()
        else:
            cls.objects.filter(learner=source).update(learner=target)
