"""Each validation rule of the content pack, broken once, is reported with its file, item and rule."""

import datetime
from pathlib import Path

import pytest
import yaml

from lessons.pack import PackError, load_pack, owner_conflict

from .packs import minimal_files, problems, write_files


@pytest.fixture
def files():
    return minimal_files()


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


def test_broken_yaml_stops_at_the_parse_error_naming_file_and_line(tmp_path, files):
    write_files(tmp_path / "content", files)
    duties = tmp_path / "content" / "duties" / "core.yaml"
    lines = duties.read_text(encoding="utf-8").splitlines()
    lines[3] += ": x"  # a second colon on line 4
    duties.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(PackError) as exc:
        load_pack(tmp_path / "content")
    # One message, not one per rule that mentions the duties the file would have held.
    assert len(exc.value.problems) == 1
    assert str(exc.value.problems[0]).startswith(
        f"content/duties/core.yaml: line 4, column {len(lines[3]) - 2}: is not valid YAML: "
        "mapping values are not allowed"  # libyaml and PyYAML word the rest differently
    )


def test_broken_lesson_front_matter_names_the_line(tmp_path, files):
    files["lessons/01-intro.md"] = None
    write_files(tmp_path / "content", files)
    (tmp_path / "content" / "lessons" / "01-intro.md").write_text(
        "---\nslug: intro\ntitle: [unclosed\n---\nBody\n", encoding="utf-8"
    )
    with pytest.raises(PackError) as exc:
        load_pack(tmp_path / "content")
    assert len(exc.value.problems) == 1
    assert str(exc.value.problems[0]).startswith(
        "content/lessons/01-intro.md: line 4, column 1: front matter is not valid YAML"
    )


@pytest.mark.parametrize(
    ("path", "field", "length", "most"),
    [
        ("duties/core.yaml", "statement", 301, 300),
        ("duties/core.yaml", "slug", 101, 100),
        ("services/ec2.yaml", "name", 121, 120),
        ("best_practices.yaml", "title", 201, 200),
        ("compliance.yaml", "framework", 201, 200),
        ("exam.yaml", "title", 301, 300),
    ],
)
def test_values_longer_than_the_database_allows_are_reported(tmp_path, files, path, field, length, most):
    data = files[path]
    item = data if "slug" in data else next(iter(data.values()))[0]
    item[field] = "a" * length
    assert any(
        f"'{field}' is {length} characters long; the most is {most}" in p for p in problems(tmp_path, files)
    )


def test_a_value_exactly_as_long_as_allowed_passes(tmp_path, files):
    files["duties/core.yaml"]["duties"][0]["statement"] = "a" * 300
    load_pack(write_files(tmp_path / "content", files))


def test_a_duty_file_name_must_fit_the_group_field(tmp_path, files):
    files["duties/" + "d" * 51 + ".yaml"] = files.pop("duties/core.yaml")
    assert "its file name is longer than 50 characters" in problems(tmp_path, files)[0]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-13-01", "'checked_on' must be a date written YYYY-MM-DD, not '2026-13-01'"),
        ("1 Dec 2026", "'checked_on' must be a date written YYYY-MM-DD, not '1 Dec 2026'"),
        ("2999-01-01", "'checked_on' 2999-01-01 is in the future"),
        (datetime.date(2026, 11, 22), "'checked_on' must be quoted, like \"2026-11-22\""),
    ],
)
def test_checked_on_must_be_a_real_past_date(tmp_path, files, value, message):
    files["duties/core.yaml"]["duties"][0]["checked_on"] = value
    assert message in problems(tmp_path, files)[0]


def test_matrix_cells_need_a_checked_date(tmp_path, files):
    del files["services/ec2.yaml"]["matrix"]["guest-os"]["checked_on"]
    assert problems(tmp_path, files) == [
        "content/services/ec2.yaml: service 'ec2': matrix cell 'guest-os': 'checked_on' is required"
    ]


@pytest.mark.parametrize("kind", ["duties/core.yaml", "misconceptions.yaml"])
def test_duties_and_misconceptions_need_exam_tasks_and_a_checked_date(tmp_path, files, kind):
    item = next(iter(files[kind].values()))[0]
    del item["checked_on"], item["exam_tasks"]
    assert [p.split(": ", 2)[2] for p in problems(tmp_path, files)] == [
        "'exam_tasks' is required",
        "'checked_on' is required",
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], "'exam_tasks' must list one or more of 2.1, 2.2, 2.3, 2.4"),
        (["2.5"], "'exam_tasks' has unknown task '2.5' (known: 2.1, 2.2, 2.3, 2.4)"),
        ([2.1], "'exam_tasks' values must be quoted, like \"2.1\""),
        (["2.1", "2.1"], "'exam_tasks' lists the same task twice"),
        ("2.1", "'exam_tasks' must list one or more of 2.1, 2.2, 2.3, 2.4"),
    ],
)
def test_exam_tasks_name_known_domain_2_tasks(tmp_path, files, value, message):
    files["misconceptions.yaml"]["misconceptions"][0]["exam_tasks"] = value
    assert message in problems(tmp_path, files)[0]


def test_layer_orders_are_unique(tmp_path, files):
    files["layers.yaml"]["layers"][1]["order"] = 1
    assert "'order' 1 is also used by layer 'physical-infrastructure'" in problems(tmp_path, files)[0]


def test_items_can_record_the_reports_they_were_changed_after(tmp_path, files):
    files["duties/core.yaml"]["duties"][0]["changed_after_reports"] = [12, 31]
    files["services/ec2.yaml"]["changed_after_reports"] = [7]
    files["services/ec2.yaml"]["matrix"]["guest-os"]["changed_after_reports"] = [7]
    load_pack(write_files(tmp_path / "content", files))


@pytest.mark.parametrize("value", [["12"], [0], 12, [True], [3, 3]])
def test_changed_after_reports_lists_report_numbers(tmp_path, files, value):
    files["misconceptions.yaml"]["misconceptions"][0]["changed_after_reports"] = value
    (problem,) = problems(tmp_path, files)
    assert "'changed_after_reports' must list report numbers, like [12, 31]" in problem or "twice" in problem


def lesson(relies_on) -> dict:
    return {
        "slug": "intro",
        "title": "Intro",
        "order": 1,
        "objectives": ["Know the split."],
        "summary": "The split.",
        "relies_on": relies_on,
        "sources": ["https://aws.amazon.com/compliance/shared-responsibility-model/"],
    }


def write_lesson(tmp_path, files, relies_on) -> Path:
    root = write_files(tmp_path / "content", files)
    (root / "lessons").mkdir(exist_ok=True)
    front = yaml.safe_dump(lesson(relies_on), sort_keys=False)
    (root / "lessons" / "01-intro.md").write_text(f"---\n{front}---\n## Body\n\nText.\n", encoding="utf-8")
    return root


def lesson_problems(tmp_path, files, relies_on) -> list[str]:
    with pytest.raises(PackError) as exc:
        load_pack(write_lesson(tmp_path, files, relies_on))
    return [str(p) for p in exc.value.problems]


def test_a_lesson_s_stated_owners_must_match_the_matrix(tmp_path, files):
    good = [
        {"service": "ec2", "layer": "guest-os", "owner": "Customer"},
        {"service": "every", "layer": "physical-infrastructure", "owner": "AWS"},
        {"service": "every", "layer": "guest-os", "owner": "Customer", "except": ["s3"]},
    ]
    load_pack(write_lesson(tmp_path, files, good))


def test_a_lesson_that_contradicts_a_cell_is_reported(tmp_path, files):
    assert lesson_problems(
        tmp_path, files, [{"service": "s3", "layer": "guest-os", "owner": "Customer"}]
    ) == [
        "content/lessons/01-intro.md: lesson 'intro': the lesson says s3 service / guest-os is Customer, "
        "but the matrix disagrees: s3 has AWS"
    ]


def test_a_rule_for_every_service_names_each_service_that_breaks_it(tmp_path, files):
    (problem,) = lesson_problems(
        tmp_path, files, [{"service": "every", "layer": "guest-os", "owner": "Customer"}]
    )
    assert problem.endswith(
        "the lesson says every service / guest-os is Customer, but the matrix disagrees: s3 has AWS"
    )


def test_lesson_facts_name_real_cells_and_services(tmp_path, files):
    found = lesson_problems(
        tmp_path,
        files,
        [
            {"service": "lambda", "layer": "guest-os", "owner": "AWS"},
            {"service": "every", "layer": "guest-os", "owner": "Customer", "except": ["nope", "s3"]},
        ],
    )
    assert [p.split(": ", 2)[2] for p in found] == [
        "relies_on names no matrix cell: service 'lambda', layer 'guest-os'",
        "relies_on: 'except' names unknown service 'nope'",
    ]


def test_an_owner_claim_in_a_cell_condition_needs_a_duty_that_asks_it(tmp_path, files):
    files["services/s3.yaml"]["matrix"]["guest-os"]["condition"] = "On S3 on Outposts the customer does it."
    assert problems(tmp_path, files) == [
        "content/services/s3.yaml: service 's3': matrix cell 'guest-os': its condition states an owner that "
        "no question asks; add a duty for this service on 'guest-os'"
    ]


def test_a_cell_condition_is_asked_when_a_duty_covers_that_service_and_layer(tmp_path, files):
    files["services/ec2.yaml"]["matrix"]["guest-os"]["condition"] = "Unless the instance runs no OS."
    load_pack(write_files(tmp_path / "content", files))


def test_a_myth_s_correction_and_a_control_type_must_name_the_duties_that_ask_them(tmp_path, files):
    del files["misconceptions.yaml"]["misconceptions"][0]["duties"]
    del files["control_types.yaml"]["control_types"][0]["duties"]
    assert [p.split(": ", 2)[2] for p in problems(tmp_path, files)] == [
        "its correction states an owner that no question asks; name its duty under 'duties'",
        "its AWS and customer parts state owners that no question asks; name duties under 'duties'",
    ]


def test_an_unquoted_objective_with_a_colon_is_reported(tmp_path, files):
    root = write_lesson(tmp_path, files, [])
    path = root / "lessons" / "01-intro.md"
    text = path.read_text(encoding="utf-8").replace("- Know the split.", "- Name the exception: Outposts.")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PackError) as exc:
        load_pack(root)
    assert [str(p) for p in exc.value.problems] == [
        "content/lessons/01-intro.md: lesson 'intro': 'objectives' must list text; "
        "quote any entry that contains ': '"
    ]
    path.write_text(
        text.replace("- Name the exception: Outposts.", "- 'Name the exception: Outposts.'"), encoding="utf-8"
    )
    load_pack(root)
