import json
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lessons import documents
from lessons.models import Owner

from .factories import DutyFactory, LayerFactory, MisconceptionFactory, service_with_matrix

pytestmark = pytest.mark.django_db
URL = "/api/matrix.json"


def build(n_services: int):
    layers = [LayerFactory(), LayerFactory()]
    for _ in range(n_services):
        service = service_with_matrix(layers, [Owner.AWS, Owner.CUSTOMER])
        DutyFactory(layer=layers[1], owner=Owner.CUSTOMER, services=[service])
        MisconceptionFactory(layers=layers)


def test_matrix_json_has_the_documented_shape(client):
    build(1)
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    for key in (
        "owners",
        "layers",
        "categories",
        "services",
        "duties",
        "misconceptions",
        "control_types",
        "best_practices",
        "compliance",
    ):
        assert key in data
    assert data["owners"] == ["AWS", "Customer"]
    service = data["services"][0]
    assert set(service) >= {"slug", "name", "category", "matrix"}
    layer = data["layers"][1]["slug"]
    assert service["matrix"][layer]["owner"] == "Customer"
    assert service["matrix"][layer]["reason"]
    duty = data["duties"][0]
    assert set(duty) >= {
        "slug",
        "statement",
        "owner",
        "layer",
        "services",
        "categories",
        "explanation",
        "sources",
    }
    assert duty["services"] == [service["slug"]]
    assert data["misconceptions"][0]["sources"][0].startswith("https://")


def test_matrix_json_needs_no_login_and_is_cacheable(client):
    build(1)
    response = client.get(URL)
    assert "public" in response["Cache-Control"]
    assert client.get(URL, headers={"If-None-Match": response["ETag"]}).status_code == 304


def test_matrix_json_query_count_does_not_grow_with_the_pack(client):
    build(1)
    with CaptureQueriesContext(connection) as small:
        documents.matrix_document()
    build(10)
    with CaptureQueriesContext(connection) as large:
        documents.matrix_document()
    assert len(small) == len(large) <= 20


def test_matrix_json_is_served_from_cache_until_content_changes(client, django_assert_num_queries):
    build(1)
    client.get(URL)
    with django_assert_num_queries(1):  # the content version, nothing else
        assert client.get(URL).status_code == 200
    documents.content_changed()
    first = client.get(URL).json()
    assert first["services"]


def test_loading_content_refreshes_the_export(client, tmp_path):
    from .packs import minimal_files, write_files

    files = minimal_files()
    call_command("load_content", path=write_files(tmp_path / "a", files))
    assert [s["name"] for s in client.get(URL).json()["services"]] == ["Amazon EC2", "Amazon S3"]
    files["services/ec2.yaml"]["name"] = "Amazon EC2 (renamed)"
    call_command("load_content", path=write_files(tmp_path / "b", files))
    assert "Amazon EC2 (renamed)" in [s["name"] for s in client.get(URL).json()["services"]]


def test_post_is_not_allowed(client):
    assert client.post(URL).status_code == 405


def test_real_pack_export_is_complete(client, real_pack):
    data = json.loads(client.get(reverse("lessons:matrix_json")).content)
    assert data["owners"] == ["AWS", "Customer", "Shared", "N/A"]
    assert len(data["services"]) >= 20
    layers = {layer["slug"] for layer in data["layers"]}
    assert all(set(s["matrix"]) == layers for s in data["services"])
    assert len(data["duties"]) >= 150
    date = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    assert all(date.match(cell["checked_on"]) for s in data["services"] for cell in s["matrix"].values())
    assert all(date.match(m["checked_on"]) for m in data["misconceptions"])
    for duty in data["duties"]:
        assert date.match(duty["checked_on"]), duty["slug"]
        assert duty["exam_tasks"] and set(duty["exam_tasks"]) <= {"2.1", "2.2", "2.3", "2.4"}, duty["slug"]


def test_export_gives_checked_dates_and_exam_tasks(client, tmp_path):
    from .packs import minimal_files, write_files

    files = minimal_files()
    files["duties/core.yaml"]["duties"][0] |= {"exam_tasks": ["2.1", "2.3"], "checked_on": "2026-11-30"}
    files["services/ec2.yaml"]["matrix"]["guest-os"]["checked_on"] = "2026-11-29"
    files["misconceptions.yaml"]["misconceptions"][0]["checked_on"] = "2026-11-28"
    call_command("load_content", path=write_files(tmp_path / "content", files))
    data = client.get(URL).json()
    duty = next(d for d in data["duties"] if d["slug"] == "ec2-patch-guest-os")
    assert (duty["exam_tasks"], duty["checked_on"]) == (["2.1", "2.3"], "2026-11-30")
    ec2 = next(s for s in data["services"] if s["slug"] == "ec2")
    assert ec2["matrix"]["guest-os"]["checked_on"] == "2026-11-29"
    assert data["misconceptions"][0]["checked_on"] == "2026-11-28"
