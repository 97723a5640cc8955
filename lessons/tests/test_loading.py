import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lessons.loading import load_content
from lessons.models import Duty, Layer, MatrixCell, Misconception, Service
from lessons.pack import FIELDS, GROUP_MAX_LENGTH, MAX_LENGTHS, OPTION_FIELDS, PackError, load_pack

from .packs import minimal_files, write_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def pack_dir(tmp_path):
    return write_files(tmp_path / "content", minimal_files())


def snapshot():
    return {
        "services": sorted(Service.objects.values_list("slug", "name", "category__slug")),
        "cells": sorted(MatrixCell.objects.values_list("service__slug", "layer__slug", "owner")),
        "duties": sorted(Duty.objects.values_list("slug", "owner", "layer__slug", "group")),
        "duty_services": sorted(Duty.services.through.objects.values_list("duty__slug", "service__slug")),
    }


def test_loading_creates_everything_in_the_pack(pack_dir):
    load_content(pack_dir)
    assert list(Layer.objects.values_list("slug", flat=True)) == [
        "physical-infrastructure",
        "guest-os",
        "customer-data",
    ]
    assert MatrixCell.objects.get(service__slug="ec2", layer__slug="guest-os").owner == "Customer"
    duty = Duty.objects.get(slug="secure-data-centres")
    assert sorted(duty.categories.values_list("slug", flat=True)) == ["abstracted", "infrastructure"]
    assert duty.group == "core"
    assert list(Misconception.objects.get().duties.values_list("slug", flat=True)) == ["ec2-patch-guest-os"]


def test_loading_twice_changes_nothing(pack_dir):
    load_content(pack_dir)
    first = snapshot()
    load_content(pack_dir)
    assert snapshot() == first


def test_loading_updates_by_slug_and_removes_what_the_pack_dropped(tmp_path):
    files = minimal_files()
    load_content(write_files(tmp_path / "v1", files))
    ec2_pk = Service.objects.get(slug="ec2").pk
    files["services/ec2.yaml"]["name"] = "Amazon Elastic Compute Cloud (Amazon EC2)"
    files["duties/core.yaml"]["duties"] = files["duties/core.yaml"]["duties"][:1]
    load_content(write_files(tmp_path / "v2", files))
    ec2 = Service.objects.get(slug="ec2")
    assert ec2.pk == ec2_pk
    assert ec2.name == "Amazon Elastic Compute Cloud (Amazon EC2)"
    assert list(Duty.objects.values_list("slug", flat=True)) == ["ec2-patch-guest-os"]


def test_layers_can_be_reordered(tmp_path):
    files = minimal_files()
    load_content(write_files(tmp_path / "v1", files))
    layers = files["layers.yaml"]["layers"]
    layers[1]["order"], layers[2]["order"] = 3, 2
    load_content(write_files(tmp_path / "v2", files))
    assert list(Layer.objects.values_list("slug", flat=True)) == [
        "physical-infrastructure",
        "customer-data",
        "guest-os",
    ]


def test_bad_content_loads_nothing_and_keeps_what_was_there(tmp_path, pack_dir):
    load_content(pack_dir)
    before = snapshot()
    files = minimal_files()
    files["services/ec2.yaml"]["name"] = "Renamed"
    files["duties/core.yaml"]["duties"][0]["owner"] = "AWS"  # disagrees with the matrix
    with pytest.raises(PackError):
        load_content(write_files(tmp_path / "bad", files))
    assert snapshot() == before


def test_load_content_command_names_the_file_item_and_rule(tmp_path):
    files = minimal_files()
    files["duties/core.yaml"]["duties"][0]["sources"] = []
    bad = write_files(tmp_path / "bad", files)
    with pytest.raises(CommandError) as exc:
        call_command("load_content", path=bad)
    message = str(exc.value)
    assert "nothing was loaded" in message
    assert "bad/duties/core.yaml: duty 'ec2-patch-guest-os': needs at least one source URL" in message
    assert Service.objects.count() == 0


def test_export_writes_files_that_load_back_to_the_same_pack(tmp_path, pack_dir):
    load_content(pack_dir)
    call_command("export_content", path=tmp_path / "exported")
    original, exported = load_pack(pack_dir), load_pack(tmp_path / "exported")
    for kind in original.items:
        assert [i.data for i in exported[kind]] == [_normalise(i.data) for i in original[kind]], kind
    assert exported.texts == original.texts


def _normalise(data):
    # The exporter omits empty optional fields and writes category_inferred explicitly.
    out = {k: v for k, v in data.items() if v not in ([], "", None)}
    if "matrix" in out:
        out.setdefault("category_inferred", False)
        out = {
            k: out[k]
            for k in ["slug", "name", "category", "category_inferred", "summary", "sources", "matrix"]
        }
    return out


def test_loading_stores_exam_tasks_and_checked_dates(tmp_path):
    files = minimal_files()
    files["duties/core.yaml"]["duties"][0] |= {"exam_tasks": ["2.1", "2.3"], "checked_on": "2026-11-30"}
    files["services/ec2.yaml"]["matrix"]["guest-os"]["checked_on"] = "2026-11-29"
    files["misconceptions.yaml"]["misconceptions"][0] |= {"exam_tasks": ["2.2"], "checked_on": "2026-11-28"}
    load_content(write_files(tmp_path / "content", files))
    duty = Duty.objects.get(slug="ec2-patch-guest-os")
    assert (duty.exam_tasks, duty.checked_on) == (["2.1", "2.3"], datetime.date(2026, 11, 30))
    cell = MatrixCell.objects.get(service__slug="ec2", layer__slug="guest-os")
    assert cell.checked_on == datetime.date(2026, 11, 29)
    myth = Misconception.objects.get()
    assert (myth.exam_tasks, myth.checked_on) == (["2.2"], datetime.date(2026, 11, 28))


def test_reloading_keeps_every_row_and_link_and_writes_only_what_changed(tmp_path):
    files = minimal_files()
    load_content(write_files(tmp_path / "v1", files))
    ids = {
        "cells": sorted(MatrixCell.objects.values_list("pk", flat=True)),
        "duties": sorted(Duty.objects.values_list("pk", flat=True)),
        "links": sorted(Duty.services.through.objects.values_list("pk", flat=True)),
    }
    files["services/ec2.yaml"]["matrix"]["guest-os"]["reason"] = "The customer runs the guest."
    with CaptureQueriesContext(connection) as queries:
        load_content(write_files(tmp_path / "v2", files))
    writes = [
        q["sql"]
        for q in queries
        if q["sql"].startswith(("INSERT", "UPDATE"))
        and not q["sql"].startswith(
            ('UPDATE "lessons_layer"', 'UPDATE "lessons_note"', 'UPDATE "lessons_contentversion"')
        )
    ]
    # Only the edited cell is written (layers are re-ordered and the version bumped every load);
    # nothing is deleted and re-made.
    assert len(writes) == 1
    assert writes[0].startswith('UPDATE "lessons_matrixcell"')
    assert ids == {
        "cells": sorted(MatrixCell.objects.values_list("pk", flat=True)),
        "duties": sorted(Duty.objects.values_list("pk", flat=True)),
        "links": sorted(Duty.services.through.objects.values_list("pk", flat=True)),
    }
    assert MatrixCell.objects.get(service__slug="ec2", layer__slug="guest-os").reason == (
        "The customer runs the guest."
    )


def test_a_link_removed_from_the_pack_is_removed_from_the_database(tmp_path):
    files = minimal_files()
    load_content(write_files(tmp_path / "v1", files))
    files["duties/core.yaml"]["duties"][1]["categories"] = ["infrastructure"]
    load_content(write_files(tmp_path / "v2", files))
    duty = Duty.objects.get(slug="secure-data-centres")
    assert list(duty.categories.values_list("slug", flat=True)) == ["infrastructure"]


def test_loading_writes_in_bulk_whatever_the_pack_size(tmp_path):
    def with_extra_duties(n: int) -> dict:
        files = minimal_files()
        template = files["duties/core.yaml"]["duties"][0]
        files["duties/core.yaml"]["duties"] += [
            {**template, "slug": f"extra-duty-{i}", "statement": f"Extra task {i}."} for i in range(n)
        ]
        return files

    load_content(write_files(tmp_path / "base", minimal_files()))
    counts = []
    for n in (1, 40):
        with CaptureQueriesContext(connection) as queries:
            load_content(write_files(tmp_path / f"plus-{n}", with_extra_duties(n)))
        counts.append(len(queries))
        load_content(write_files(tmp_path / "base", minimal_files()))
    assert Duty.objects.count() == 2
    assert counts[0] == counts[1]


def test_pack_length_limits_match_the_model_fields():
    from lessons import models as lesson_models
    from quizzes.models import Option, Question

    model_of = {
        "layers": lesson_models.Layer,
        "categories": lesson_models.Category,
        "wordings": lesson_models.Wording,
        "services": lesson_models.Service,
        "duties": lesson_models.Duty,
        "misconceptions": lesson_models.Misconception,
        "control_types": lesson_models.ControlType,
        "best_practices": lesson_models.BestPractice,
        "compliance": lesson_models.ComplianceTopic,
        "exam_tasks": lesson_models.ExamTask,
        "lessons": lesson_models.Lesson,
        "questions": Question,
        "options": Option,
    }
    for kind, model in model_of.items():
        limited = {
            f.name: f.max_length
            for f in model._meta.get_fields()
            if getattr(f, "max_length", None)
            and not f.choices  # checked against the owner or kind vocabulary instead
            and f.name in (FIELDS.get(kind) or OPTION_FIELDS)
        }
        assert limited == MAX_LENGTHS[kind], kind
    assert lesson_models.Duty._meta.get_field("group").max_length == GROUP_MAX_LENGTH
    assert Question._meta.get_field("group").max_length == GROUP_MAX_LENGTH
