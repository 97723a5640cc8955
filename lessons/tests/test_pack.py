"""Each validation rule of the content pack, broken once, is reported with its file, item and rule."""

import pytest

from lessons.pack import PackError, load_pack, owner_conflict

from .packs import minimal_files, write_files


@pytest.fixture
def files():
    return minimal_files()


def problems(tmp_path, files) -> list[str]:
    write_files(tmp_path / "content", files)
    with pytest.raises(PackError) as exc:
        load_pack(tmp_path / "content")
    return [str(p) for p in exc.value.problems]


def test_minimal_pack_is_valid(tmp_path, files):
    pack = load_pack(write_files(tmp_path / "content", files))
    assert len(pack["services"]) == 2
    assert pack.texts["disagreement"] == "Where the sources disagree."


def test_every_service_needs_an_owner_for_every_layer(tmp_path, files):
    del files["services/s3.yaml"]["matrix"]["guest-os"]
    assert problems(tmp_path, files) == [
        "content/services/s3.yaml: service 's3': matrix has no owner for layer 'guest-os'"
    ]


def test_matrix_owner_must_be_a_known_owner(tmp_path, files):
    files["services/s3.yaml"]["matrix"]["guest-os"]["owner"] = "Amazon"
    assert "owner must be one of AWS, Customer, Shared, N/A" in problems(tmp_path, files)[0]


def test_matrix_cell_needs_a_reason(tmp_path, files):
    del files["services/s3.yaml"]["matrix"]["guest-os"]["reason"]
    assert "matrix cell 'guest-os': 'reason' is required" in problems(tmp_path, files)[0]


def test_every_duty_needs_a_source(tmp_path, files):
    files["duties/core.yaml"]["duties"][0]["sources"] = []
    assert problems(tmp_path, files) == [
        "content/duties/core.yaml: duty 'ec2-patch-guest-os': needs at least one source URL"
    ]


def test_every_misconception_needs_a_source(tmp_path, files):
    del files["misconceptions.yaml"]["misconceptions"][0]["sources"]
    found = problems(tmp_path, files)
    assert any("misconception 'aws-patches-ec2'" in p and "'sources' is required" in p for p in found)


def test_sources_must_be_https_urls(tmp_path, files):
    files["duties/core.yaml"]["duties"][0]["sources"] = ["see the AWS docs"]
    assert "is not an https:// URL" in problems(tmp_path, files)[0]


def test_duty_owner_must_agree_with_the_matrix(tmp_path, files):
    files["duties/core.yaml"]["duties"][0]["owner"] = "AWS"
    assert (
        "content/duties/core.yaml: duty 'ec2-patch-guest-os': owner disagrees with the matrix: "
        "service 'ec2' has Customer on that layer, but the duty says AWS"
    ) in problems(tmp_path, files)


def test_duty_owner_is_checked_for_every_service_of_a_category(tmp_path, files):
    files["duties/core.yaml"]["duties"][1]["layer"] = "guest-os"
    found = problems(tmp_path, files)
    assert found == [
        "content/duties/core.yaml: duty 'secure-data-centres': owner disagrees with the matrix: "
        "service 'ec2' has Customer on that layer, but the duty says AWS"
    ]


def test_a_shared_cell_agrees_with_any_duty_owner():
    assert owner_conflict("AWS", "Shared") is None
    assert owner_conflict("Customer", "Shared") is None
    assert owner_conflict("Shared", "Customer") == "has Customer on that layer, but the duty says Shared"
    assert owner_conflict("AWS", "N/A") == "has that layer marked N/A"


def test_slugs_are_unique_across_files(tmp_path, files):
    files["duties/more.yaml"] = {"duties": [dict(files["duties/core.yaml"]["duties"][0])]}
    assert "slug is not unique (also in content/duties/core.yaml)" in problems(tmp_path, files)[0]


def test_slugs_must_be_kebab_case(tmp_path, files):
    files["compliance.yaml"]["compliance"][0]["slug"] = "PCI DSS"
    assert "slug must be lowercase words joined by hyphens" in problems(tmp_path, files)[0]


@pytest.mark.parametrize(
    ("path", "mutate", "message"),
    [
        ("services/ec2.yaml", lambda d: d.update(category="compute"), "names unknown category 'compute'"),
        ("duties/core.yaml", lambda d: d["duties"][0].update(layer="roof"), "names unknown layer 'roof'"),
        (
            "duties/core.yaml",
            lambda d: d["duties"][0].update(services=["ec3"]),
            "names unknown service 'ec3'",
        ),
        (
            "misconceptions.yaml",
            lambda d: d["misconceptions"][0].update(duties=["nope"]),
            "names unknown duty 'nope'",
        ),
        (
            "best_practices.yaml",
            lambda d: d["best_practices"][0].update(services=["ghost"]),
            "names unknown service 'ghost'",
        ),
        (
            "categories.yaml",
            lambda d: d["wordings"][0].update(categories=["container"]),
            "names unknown category 'container'",
        ),
    ],
)
def test_no_orphan_references(tmp_path, files, path, mutate, message):
    mutate(files[path])
    assert any(message in p for p in problems(tmp_path, files))


def test_a_duty_must_apply_to_something(tmp_path, files):
    files["duties/core.yaml"]["duties"][0]["services"] = []
    assert "applies to nothing" in problems(tmp_path, files)[0]


def test_best_practices_serve_customer_or_shared_duties(tmp_path, files):
    files["best_practices.yaml"]["best_practices"][0]["duties"] = ["secure-data-centres"]
    assert "is AWS's; a best practice serves a Customer or Shared duty" in problems(tmp_path, files)[0]


def test_unknown_fields_are_reported(tmp_path, files):
    files["duties/core.yaml"]["duties"][0]["ownr"] = "AWS"
    assert "unknown field 'ownr'" in problems(tmp_path, files)[0]


def test_broken_yaml_names_the_file(tmp_path, files):
    write_files(tmp_path / "content", files)
    (tmp_path / "content" / "compliance.yaml").write_text("compliance: [unclosed", encoding="utf-8")
    with pytest.raises(PackError) as exc:
        load_pack(tmp_path / "content")
    assert str(exc.value.problems[0]).startswith("content/compliance.yaml: -: is not valid YAML")


def test_layer_orders_are_unique(tmp_path, files):
    files["layers.yaml"]["layers"][1]["order"] = 1
    assert "'order' 1 is also used by layer 'physical-infrastructure'" in problems(tmp_path, files)[0]
