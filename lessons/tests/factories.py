import datetime

import factory

from lessons.models import (
    Category,
    Duty,
    GlossaryTerm,
    Layer,
    Lesson,
    MatrixCell,
    Misconception,
    Owner,
    Service,
)

AWS_URL = "https://aws.amazon.com/compliance/shared-responsibility-model/"


class LayerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Layer

    slug = factory.Sequence(lambda n: f"layer-{n}")
    name = factory.Sequence(lambda n: f"Layer {n}")
    order = factory.Sequence(lambda n: n + 1)
    description = "A layer of the stack."


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    slug = factory.Sequence(lambda n: f"category-{n}")
    name = factory.Sequence(lambda n: f"Category {n}")
    summary = "A category."
    aws_manages = "The infrastructure."
    customer_manages = "The data."
    sources = factory.LazyFunction(lambda: [AWS_URL])


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    slug = factory.Sequence(lambda n: f"service-{n}")
    name = factory.Sequence(lambda n: f"Amazon Service {n}")
    category = factory.SubFactory(CategoryFactory)
    summary = "A service."
    sources = factory.LazyFunction(lambda: [AWS_URL])


class MatrixCellFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MatrixCell

    service = factory.SubFactory(ServiceFactory)
    layer = factory.SubFactory(LayerFactory)
    owner = Owner.CUSTOMER
    reason = "The customer configures it."
    checked_on = datetime.date(2026, 11, 22)


class DutyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Duty
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"duty-{n}")
    statement = factory.Sequence(lambda n: f"Do security task number {n}.")
    owner = Owner.CUSTOMER
    layer = factory.SubFactory(LayerFactory)
    explanation = "Because the customer controls it."
    sources = factory.LazyFunction(lambda: [AWS_URL])
    exam_tasks = factory.LazyFunction(lambda: ["2.1"])
    checked_on = datetime.date(2026, 11, 22)

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.set(extracted)


class MisconceptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Misconception
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"myth-{n}")
    myth = "AWS does everything."
    correction = "It does not."
    sources = factory.LazyFunction(lambda: [AWS_URL])
    exam_tasks = factory.LazyFunction(lambda: ["2.1"])
    checked_on = datetime.date(2026, 11, 22)

    @factory.post_generation
    def layers(self, create, extracted, **kwargs):
        if create and extracted:
            self.layers.set(extracted)


def service_with_matrix(layers, owners, **kwargs) -> Service:
    """A service with one cell per layer, owners given in layer order."""
    service = ServiceFactory(**kwargs)
    for layer, owner in zip(layers, owners, strict=True):
        MatrixCellFactory(service=service, layer=layer, owner=owner)
    return service


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    slug = factory.Sequence(lambda n: f"lesson-{n}")
    title = factory.Sequence(lambda n: f"Lesson number {n}")
    order = factory.Sequence(lambda n: n + 1)
    objectives = factory.LazyFunction(lambda: ["Say who owns a layer."])
    summary = "What to remember."
    body = "## Why it matters\n\nAWS secures the cloud; you secure what you put in it."
    sources = factory.LazyFunction(lambda: [AWS_URL])


class GlossaryTermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GlossaryTerm
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"term-{n}")
    term = factory.Sequence(lambda n: f"Term number {n}")
    definition = "What the term means for the shared responsibility model."
    sources = factory.LazyFunction(lambda: [AWS_URL])
    checked_on = datetime.date(2026, 12, 1)

    @factory.post_generation
    def layers(self, create, extracted, **kwargs):
        if create and extracted:
            self.layers.set(extracted)

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.set(extracted)
