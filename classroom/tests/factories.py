import factory

from classroom import live
from classroom.models import Answer, ClassSession, Seat, SessionQuestion
from learners.tests.factories import UserFactory


def snapshot(
    *, key="Customer", misconceptions=None, prompt="Who patches the guest OS on Amazon EC2?"
) -> dict:
    """A frozen owner question: three choices, one key, optionally a misconception on a wrong choice."""
    return {
        "slug": "owner-guest-os",
        "kind": "owner",
        "prompt": prompt,
        "context": "Applies to: Amazon EC2.",
        "choices": [
            ["AWS", "AWS"],
            ["Customer", "The customer"],
            ["Shared", "Both AWS and the customer (shared)"],
        ],
        "key": key,
        "explanation": "The customer owns the guest operating system.",
        "sources": ["https://aws.amazon.com/compliance/shared-responsibility-model/"],
        "misconceptions": misconceptions
        if misconceptions is not None
        else {"AWS": {"myth": "AWS patches my guest OS.", "correction": "You patch it."}},
        "learn_more": None,
    }


def multi_snapshot() -> dict:
    """A frozen exam-style "choose two" question: options 11 and 12 are right; 13 matches a misconception."""
    return {
        "slug": "multi-customer-duties",
        "kind": "multiple",
        "prompt": "Which two are the customer's on Amazon EC2? (Choose two.)",
        "context": "",
        "many": True,
        "instructions": "Select all that apply, as many as the question asks.",
        "choices": [
            ["11", "Patching the guest operating system"],
            ["12", "Configuring security groups"],
            ["13", "Patching the hypervisor"],
            ["14", "Replacing failed disks"],
        ],
        "key": "11,12",
        "keys": ["11", "12"],
        "explanation": "The guest OS and the firewall rules are the customer's; the host is AWS's.",
        "sources": ["https://aws.amazon.com/compliance/shared-responsibility-model/"],
        "misconceptions": {"13": {"myth": "I patch the hypervisor.", "correction": "AWS patches it."}},
        "learn_more": None,
    }


class ClassSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClassSession

    host = factory.SubFactory(UserFactory)
    code = factory.Sequence(lambda n: f"{100000 + n:06d}")
    title = "Shared responsibility basics"
    topic = "everything"
    # Off unless a test is about it: most tests seat learners one by one, and the first answer would close.
    auto_close = False


class SessionQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionQuestion

    session = factory.SubFactory(ClassSessionFactory)
    position = factory.Sequence(lambda n: n + 1)
    question = None
    snapshot = factory.LazyFunction(snapshot)


class SeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Seat

    session = factory.SubFactory(ClassSessionFactory)
    nickname = factory.Sequence(lambda n: f"Learner {n}")
    nickname_key = factory.LazyAttribute(lambda o: o.nickname.casefold())
    rejoin_code = factory.Sequence(lambda n: f"R{n:04d}")


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Answer

    seat = factory.SubFactory(SeatFactory)
    item = factory.SubFactory(SessionQuestionFactory)
    choice = "Customer"
    correct = True
    points = 1


def class_with_questions(count=3, **kwargs):
    session = ClassSessionFactory(**kwargs)
    for position in range(1, count + 1):
        SessionQuestionFactory(session=session, position=position)
    return session


def multi_class(**kwargs):
    """A class whose first question is a "choose two" one, then an owner question."""
    session = ClassSessionFactory(**kwargs)
    SessionQuestionFactory(session=session, position=1, snapshot=multi_snapshot())
    SessionQuestionFactory(session=session, position=2)
    return session


def move(session, *actions):
    """Apply host actions in turn, each to the version the previous one produced."""
    for action in actions:
        session = live.advance(session, action, version=session.version)
    return session
