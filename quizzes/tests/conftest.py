import pytest

from lessons.models import Owner
from lessons.tests.factories import (
    CategoryFactory,
    DutyFactory,
    LayerFactory,
    MisconceptionFactory,
    service_with_matrix,
)
from quizzes.loading import generate


@pytest.fixture
def bank(db):
    """A small model with duties of every owner, a myth, and its generated questions."""
    bottom, top = (
        LayerFactory(slug="physical", name="Physical"),
        LayerFactory(slug="guest-os", name="Guest OS"),
    )
    infra = CategoryFactory(slug="infrastructure", name="Infrastructure services")
    ec2 = service_with_matrix(
        [bottom, top], [Owner.AWS, Owner.SHARED], slug="ec2", name="Amazon EC2", category=infra
    )
    duties = []
    for owner, layer in [(Owner.AWS, bottom), (Owner.CUSTOMER, top), (Owner.SHARED, top)]:
        for n in range(4):
            duties.append(
                DutyFactory(owner=owner, layer=layer, services=[ec2], statement=f"{owner} task {n}.")
            )
    myth = MisconceptionFactory(
        myth="AWS patches my guest OS.", correction="You patch it.", wrong_owner=Owner.AWS
    )
    myth.layers.add(top)
    myth.services.add(ec2)
    myth.duties.add(duties[4])  # a Customer duty on the guest OS
    generate()
    return {"layers": [bottom, top], "service": ec2, "duties": duties, "myth": myth, "category": infra}


@pytest.fixture(autouse=True)
def _no_fuzzing(monkeypatch):
    # FSRS fuzzing spreads intervals at random; tests assert exact due dates.
    monkeypatch.setattr("quizzes.review.FUZZING", False)
