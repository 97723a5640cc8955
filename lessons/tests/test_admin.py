import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from lessons import documents
from lessons.models import Duty, MatrixCell, Owner

from .factories import AWS_URL, DutyFactory, LayerFactory, service_with_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser("editor", "editor@example.com", "pw-for-tests-only")
    client.force_login(user)
    return client


@pytest.fixture
def world():
    layers = [LayerFactory(), LayerFactory()]
    ec2 = service_with_matrix(layers, [Owner.AWS, Owner.CUSTOMER], slug="ec2", name="Amazon EC2")
    return layers, ec2


def duty_post(layer, service, owner, **extra):
    return {
        "slug": "patch-guest",
        "statement": "Patch the guest OS.",
        "owner": owner,
        "layer": layer.pk,
        "services": [service.pk],
        "explanation": "Because.",
        "sources": AWS_URL,
        "exam_tasks": "2.1\n2.3",
        "checked_on": "2026-11-30",
        "group": "general",
        "position": 0,
        **extra,
    }


def test_admin_rejects_a_duty_whose_owner_disagrees_with_the_matrix(staff_client, world):
    layers, ec2 = world
    response = staff_client.post(reverse("admin:lessons_duty_add"), duty_post(layers[1], ec2, Owner.AWS))
    assert response.status_code == 200
    assert "The owner disagrees with the responsibility matrix" in response.content.decode()
    assert "Amazon EC2 has Customer on that layer, but the duty says AWS." in response.content.decode()
    assert not Duty.objects.exists()


def test_admin_rejects_a_duty_without_sources(staff_client, world):
    layers, ec2 = world
    response = staff_client.post(
        reverse("admin:lessons_duty_add"), duty_post(layers[1], ec2, Owner.CUSTOMER, sources="")
    )
    assert "This field is required" in response.content.decode()
    assert not Duty.objects.exists()


def test_admin_saves_a_valid_duty_and_refreshes_the_export(staff_client, world):
    layers, ec2 = world
    version = documents.content_version()
    response = staff_client.post(reverse("admin:lessons_duty_add"), duty_post(layers[1], ec2, Owner.CUSTOMER))
    assert response.status_code == 302
    duty = Duty.objects.get()
    assert duty.sources == [AWS_URL]
    assert duty.exam_tasks == ["2.1", "2.3"]
    assert duty.checked_on == datetime.date(2026, 11, 30)
    assert list(duty.services.all()) == [ec2]
    assert documents.content_version() > version


def test_admin_refuses_an_unknown_exam_task(staff_client, world):
    layers, ec2 = world
    response = staff_client.post(
        reverse("admin:lessons_duty_add"), duty_post(layers[1], ec2, Owner.CUSTOMER, exam_tasks="2.9")
    )
    assert response.status_code == 200
    assert "List one or more of 2.1, 2.2, 2.3, 2.4" in response.content.decode()
    assert not Duty.objects.exists()


def cell_formset(service, rows):
    data = {
        "slug": service.slug,
        "name": service.name,
        "category": service.category.pk,
        "summary": service.summary,
        "sources": AWS_URL,
        "position": 0,
        "cells-TOTAL_FORMS": len(rows),
        "cells-INITIAL_FORMS": len(rows),
        "cells-MIN_NUM_FORMS": 0,
        "cells-MAX_NUM_FORMS": 1000,
        "duties_services-TOTAL_FORMS": 0,
        "duties_services-INITIAL_FORMS": 0,
    }
    for i, (cell, owner) in enumerate(rows):
        data |= {
            f"cells-{i}-id": cell.pk,
            f"cells-{i}-service": service.pk,
            f"cells-{i}-layer": cell.layer.pk,
            f"cells-{i}-owner": owner,
            f"cells-{i}-reason": cell.reason,
            f"cells-{i}-sources": "",
            f"cells-{i}-checked_on": cell.checked_on.isoformat(),
        }
    return data


def test_admin_rejects_a_cell_change_that_contradicts_a_duty(staff_client, world):
    layers, ec2 = world
    DutyFactory(layer=layers[1], owner=Owner.CUSTOMER, services=[ec2], statement="Patch the guest OS.")
    cells = list(ec2.cells.order_by("layer__order"))
    data = cell_formset(ec2, [(cells[0], Owner.AWS), (cells[1], Owner.AWS)])
    response = staff_client.post(reverse("admin:lessons_service_change", args=[ec2.pk]), data)
    assert response.status_code == 200
    assert "These cells disagree with duty statements" in response.content.decode()
    assert MatrixCell.objects.get(pk=cells[1].pk).owner == Owner.CUSTOMER


def test_admin_rejects_a_service_missing_a_layer(staff_client, world):
    layers, ec2 = world
    cells = list(ec2.cells.order_by("layer__order"))
    data = cell_formset(ec2, [(cells[0], Owner.AWS), (cells[1], Owner.CUSTOMER)])
    data["cells-1-DELETE"] = "on"
    response = staff_client.post(reverse("admin:lessons_service_change", args=[ec2.pk]), data)
    assert "Every layer needs an owner" in response.content.decode()
    assert ec2.cells.count() == 2


@pytest.mark.parametrize(
    "name",
    [
        "layer",
        "category",
        "service",
        "matrixcell",
        "duty",
        "misconception",
        "controltype",
        "bestpractice",
        "compliancetopic",
        "examtask",
    ],
)
def test_every_content_admin_lists_and_searches(staff_client, world, name):
    url = reverse(f"admin:lessons_{name}_changelist")
    assert staff_client.get(url).status_code == 200
    assert staff_client.get(url, {"q": "patch"}).status_code == 200


def test_duty_admin_filters_by_owner_layer_and_category(staff_client, world):
    layers, ec2 = world
    DutyFactory(layer=layers[1], owner=Owner.CUSTOMER, services=[ec2], statement="Patch the guest OS.")
    url = reverse("admin:lessons_duty_changelist")
    assert "Patch the guest OS." in staff_client.get(url, {"owner__exact": "Customer"}).content.decode()
    assert "Patch the guest OS." not in staff_client.get(url, {"owner__exact": "AWS"}).content.decode()
    assert "Patch the guest OS." in staff_client.get(url, {"layer__id__exact": layers[1].pk}).content.decode()
    response = staff_client.get(url, {"services__category__id__exact": ec2.category.pk})
    assert "Patch the guest OS." in response.content.decode()


def test_admin_refuses_a_duty_that_applies_to_nothing_with_the_loaders_words(staff_client, world):
    layers, ec2 = world
    data = duty_post(layers[1], ec2, Owner.CUSTOMER)
    data["services"] = []
    response = staff_client.post(reverse("admin:lessons_duty_add"), data)
    assert "This duty applies to nothing: name at least one service or category." in response.content.decode()
    assert not Duty.objects.filter(slug="patch-guest").exists()


def test_a_service_page_links_the_duties_that_name_it_without_a_select_per_row(staff_client, world):
    layers, ec2 = world
    duty = DutyFactory(layer=layers[1], owner=Owner.CUSTOMER, statement="Patch the guest OS of EC2.")
    duty.services.add(ec2)
    response = staff_client.get(reverse("admin:lessons_service_change", args=[ec2.pk]))
    html = response.content.decode()
    assert (
        f'<a href="{reverse("admin:lessons_duty_change", args=[duty.pk])}">Patch the guest OS of EC2.</a>'
        in html
    )
    assert 'name="duties_services-0-duty"' not in html
