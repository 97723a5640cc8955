"""A live class: a host paces questions, learners join with a code and a nickname and answer on their phones.

Each question keeps a snapshot of what was asked and its key, taken when the class is created, so the room is
graded against what it saw and the report never changes when content is edited later.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse


class Phase(models.TextChoices):
    LOBBY = "lobby", "Waiting to start"
    OPEN = "open", "Question open"
    CLOSED = "closed", "Answers closed"
    REVEALED = "revealed", "Answer revealed"
    ENDED = "ended", "Ended"


class Scoring(models.TextChoices):
    ACCURACY = "accuracy", "Accuracy only: one point per right answer"
    SPEED = "speed", "With a speed bonus: up to 1000 points per right answer, more for faster ones"


class Leaderboard(models.TextChoices):
    OFF = "off", "Off"
    TOP5 = "top5", "Top 5"
    FULL = "full", "Everyone"


class ClassSessionQuerySet(models.QuerySet):
    def open(self):
        """Sessions learners can still join."""
        return self.exclude(phase=Phase.ENDED)

    def hosted_by(self, user):
        return self.filter(host=user)


class ClassSession(models.Model):
    """One live class. Its public id is unguessable; the 6-digit code is for joining while it is open."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="class_sessions"
    )
    code = models.CharField(max_length=6)
    title = models.CharField(max_length=200)
    topic = models.CharField(max_length=120, blank=True)
    seconds_per_question = models.PositiveSmallIntegerField(default=0, help_text="0: no timer.")
    scoring = models.CharField(max_length=10, choices=Scoring.choices, default=Scoring.ACCURACY)
    leaderboard = models.CharField(max_length=4, choices=Leaderboard.choices, default=Leaderboard.OFF)
    auto_close = models.BooleanField(
        default=True, help_text="Close answers as soon as every seated learner has answered."
    )
    phase = models.CharField(max_length=8, choices=Phase.choices, default=Phase.LOBBY)
    position = models.PositiveSmallIntegerField(default=0, help_text="The current question; 0 in the lobby.")
    # Bumped on every change learners must see; clients poll with it and get 204 while it is unchanged.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = ClassSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~Q(phase="ended"), name="one_open_session_per_code"
            ),
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{6}$"), name="code_is_six_digits"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("classroom:session_host", args=[self.pk])


class SessionQuestion(models.Model):
    """A question of the session, in order, with the snapshot it is shown and graded from."""

    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    # SET_NULL: a content reload may remove the question; the snapshot still carries the class's record.
    question = models.ForeignKey("quizzes.Question", null=True, on_delete=models.SET_NULL, related_name="+")
    snapshot = models.JSONField(help_text="What was asked, the key and the feedback (classroom/engine.py).")
    opened_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["session", "position"], name="one_item_per_position"),
        ]

    def __str__(self) -> str:
        return f"{self.session} #{self.position}"


class Seat(models.Model):
    """A learner's place in a session: a nickname, no personal data. Removed seats keep their name reserved."""

    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="seats")
    nickname = models.CharField(max_length=20)
    nickname_key = models.CharField(max_length=20, help_text="Case-folded nickname: unique in the session.")
    rejoin_code = models.CharField(max_length=5)
    removed = models.BooleanField(default=False)
    # Only for a signed-in learner, so their answers also feed their own history, review and mastery.
    learner = models.ForeignKey("learners.Learner", null=True, blank=True, on_delete=models.SET_NULL)
    attempt = models.ForeignKey("quizzes.Attempt", null=True, blank=True, on_delete=models.SET_NULL)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "nickname_key"], name="unique_nickname_in_session"),
            models.UniqueConstraint(fields=["session", "rejoin_code"], name="unique_rejoin_code_in_session"),
        ]

    def __str__(self) -> str:
        return self.nickname


class Answer(models.Model):
    """A seat's answer to one question of the session. One per seat and question, enforced by the database."""

    seat = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(SessionQuestion, on_delete=models.CASCADE, related_name="answers")
    choice = models.CharField(max_length=120)
    correct = models.BooleanField()
    points = models.PositiveIntegerField(default=0)
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["answered_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["seat", "item"], name="one_answer_per_seat_and_item")]

    def __str__(self) -> str:
        return f"{self.seat} on {self.item}: {self.choice}"
