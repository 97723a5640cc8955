"""Grow the loaded pack N-fold for `make bench --scale N`: copies of every service (with its cells),
duty and misconception, linked to the copied services. Run with the bench's environment."""

import sys

import django

django.setup()

from django.db import transaction  # noqa: E402

from lessons import documents  # noqa: E402
from lessons.models import Duty, MatrixCell, Misconception, Service  # noqa: E402


def copy(obj, **changes):
    obj.pk = None
    obj._state.adding = True
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.save()
    return obj


@transaction.atomic
def grow(factor: int) -> None:
    services = list(Service.objects.prefetch_related("cells"))
    duties = list(Duty.objects.prefetch_related("services", "categories"))
    myths = list(Misconception.objects.prefetch_related("layers", "services", "duties"))
    for n in range(1, factor):
        twin = {}
        for s in services:
            cells = list(s.cells.all())
            original = s.pk
            clone = copy(Service.objects.get(pk=original), slug=f"{s.slug}-{n}", name=f"{s.name} ({n})")
            twin[original] = clone
            for cell in cells:
                cell.pk, cell.service = None, clone
            MatrixCell.objects.bulk_create(cells)
        duty_twin = {}
        for d in duties:
            clone = copy(Duty.objects.get(pk=d.pk), slug=f"{d.slug}-{n}", statement=f"{d.statement} ({n})")
            clone.services.set(twin[x.pk] for x in d.services.all())
            clone.categories.set(d.categories.all())
            duty_twin[d.pk] = clone
        for m in myths:
            clone = copy(Misconception.objects.get(pk=m.pk), slug=f"{m.slug}-{n}", myth=f"{m.myth} ({n})")
            clone.layers.set(m.layers.all())
            clone.services.set(twin[x.pk] for x in m.services.all())
            clone.duties.set(duty_twin[x.pk] for x in m.duties.all())
    documents.content_changed()


if __name__ == "__main__":
    grow(int(sys.argv[1]))
    print(
        f"grown {sys.argv[1]}x: {Service.objects.count()} services, {Duty.objects.count()} duties,"
        f" {Misconception.objects.count()} misconceptions"
    )
