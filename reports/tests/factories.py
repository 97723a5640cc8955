import factory

from reports.models import Report


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    about = "duty:duty-0"
    about_text = "Do security task number 0."
    message = "The source says otherwise."
    client = factory.Sequence(lambda n: f"client-{n}")
