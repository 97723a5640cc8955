import factory
from django.utils import timezone

from lessons.models import ControlType, Owner
from lessons.tests.factories import AWS_URL, DutyFactory
from quizzes.models import Attempt, CardState, Kind, Option, Origin, Question, ReviewCard


class OwnerQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    slug = factory.Sequence(lambda n: f"owner-question-{n}")
    kind = Kind.OWNER
    origin = Origin.GENERATED
    duty = factory.SubFactory(DutyFactory, owner=Owner.CUSTOMER)


class SingleQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"scenario-{n}")
    kind = Kind.SINGLE
    prompt = "A company runs MySQL on Amazon EC2. Who patches the database engine?"
    explanation = "Software the customer installs on an instance is the customer's."
    learn_more = "lesson:core-split"
    sources = factory.LazyFunction(lambda: [AWS_URL])

    @factory.post_generation
    def options(self, create, extracted, **kwargs):
        if not create:
            return
        for i, (text, correct) in enumerate(
            extracted or [("The customer", True), ("AWS", False), ("Both", False)]
        ):
            Option.objects.create(
                question=self, text=text, correct=correct, explanation=f"Because {i}.", position=i
            )


class ControlTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ControlType

    slug = factory.Sequence(lambda n: f"control-type-{n}")
    name = factory.Sequence(lambda n: f"Control type {n}")
    description = "Who runs the control."
    aws_part = "AWS's part."
    customer_part = "The customer's part."
    examples = factory.LazyFunction(lambda: ["An example control."])
    sources = factory.LazyFunction(lambda: [AWS_URL])


class AttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attempt

    learner = factory.SubFactory("learners.tests.factories.LearnerFactory")
    topic = "everything"
    title = "Everything"


class ReviewCardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewCard

    learner = factory.SubFactory("learners.tests.factories.LearnerFactory")
    question = factory.SubFactory(OwnerQuestionFactory)
    state = CardState.REVIEW
    stability = 2.3
    difficulty = 5.0
    due = factory.LazyFunction(timezone.now)
    last_review = None
    reviews = 1
