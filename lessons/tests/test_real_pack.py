"""The shipped content pack: valid, complete, sourced, and true to the invariants of the model."""

from collections import Counter
from urllib.parse import urlsplit

import pytest

from lessons.pack import load_pack

FOUNDATION_LAYERS = ["physical-infrastructure", "global-network", "virtualization", "host-os"]
AWS_HOSTS = ("aws.amazon.com", "docs.aws.amazon.com", "d1.awsstatic.com", "repost.aws", "aws.github.io")


@pytest.fixture(scope="module")
def pack():
    return load_pack()


def is_aws(url: str) -> bool:
    host = urlsplit(url).netloc
    return any(host == h or host.endswith("." + h) for h in AWS_HOSTS)


def test_pack_meets_the_coverage_targets(pack):
    assert len(pack["layers"]) >= 12
    assert len(pack["services"]) >= 20
    assert len(pack["duties"]) >= 150
    assert len(pack["misconceptions"]) >= 20
    assert {c.slug for c in pack["control_types"]} == {"inherited", "shared", "customer-specific"}
    assert len(pack["best_practices"]) >= 12
    assert len(pack["compliance"]) >= 6


def test_three_and_two_category_wordings_are_both_taught(pack):
    assert {c.slug for c in pack["categories"]} == {"infrastructure", "container", "abstracted"}
    wordings = {w.slug: w.data["categories"] for w in pack["wordings"]}
    assert sorted(wordings["three-category"]) == ["abstracted", "container", "infrastructure"]
    assert sorted(wordings["two-category"]) == ["abstracted", "infrastructure"]
    assert pack.texts["difference"].strip() and pack.texts["disagreement"].strip()


def test_services_span_every_category_and_kind(pack):
    by_category = Counter(s.data["category"] for s in pack["services"])
    assert all(by_category[c] >= 3 for c in ("infrastructure", "container", "abstracted"))
    names = {s.data["name"] for s in pack["services"]}
    for needed in ("Amazon EC2", "Amazon S3", "AWS Lambda", "Amazon RDS", "Amazon DynamoDB", "Amazon VPC"):
        assert needed in names


def test_service_names_are_official_aws_names(pack):
    for service in pack["services"]:
        name = service.data["name"]
        assert name.startswith(("Amazon ", "AWS ", "Elastic Load Balancing")), name


# AWS hardware on the customer's own site: the customer secures the site, so these services share the
# bottom layers (and the Snow device software reaches a device only when the customer installs it).
ON_PREMISES_EXCEPTIONS = {"outposts", "snow-family"}


def test_aws_owns_the_foundation_layers_of_every_service(pack):
    for service in pack["services"]:
        for layer in FOUNDATION_LAYERS:
            owner = service.data["matrix"][layer]["owner"]
            if service.slug in ON_PREMISES_EXCEPTIONS:
                assert owner in ("AWS", "Shared"), (service.slug, layer)
            else:
                assert owner == "AWS", (service.slug, layer)


def test_the_on_premises_exceptions_share_the_physical_layer_and_say_why(pack):
    matrix = {s.slug: s.data["matrix"] for s in pack["services"]}
    for slug in ON_PREMISES_EXCEPTIONS:
        cell = matrix[slug]["physical-infrastructure"]
        assert cell["owner"] == "Shared" and cell.get("condition"), slug


def test_access_management_is_never_aws_alone_nor_missing(pack):
    for service in pack["services"]:
        assert service.data["matrix"]["identity-access"]["owner"] in ("Customer", "Shared"), service.slug


def test_the_line_moves_with_the_service(pack):
    # The CLF-C02 task's own examples: EC2 guest OS is the customer's, RDS and Lambda take it away.
    matrix = {s.slug: s.data["matrix"] for s in pack["services"]}
    assert matrix["ec2"]["guest-os"]["owner"] == "Customer"
    assert matrix["rds"]["guest-os"]["owner"] == "AWS"
    assert matrix["rds"]["platform-software"]["owner"] in ("AWS", "Shared")
    assert matrix["lambda"]["guest-os"]["owner"] in ("AWS", "Shared")
    assert matrix["lambda"]["guest-os"].get("condition"), "Lambda runtime patching depends on deployment"


def test_duties_cover_every_owner_and_most_layers(pack):
    owners = Counter(d.data["owner"] for d in pack["duties"])
    assert owners["AWS"] >= 20 and owners["Customer"] >= 50 and owners["Shared"] >= 5
    assert len({d.data["layer"] for d in pack["duties"]}) >= 12


def test_every_duty_cites_aws_first(pack):
    for duty in pack["duties"]:
        assert is_aws(duty.data["sources"][0]), (duty.slug, duty.data["sources"][0])


def test_every_misconception_cites_an_aws_page(pack):
    for myth in pack["misconceptions"]:
        assert any(is_aws(url) for url in myth.data["sources"]), myth.slug


def test_statements_are_unique(pack):
    statements = Counter(d.data["statement"].strip().lower() for d in pack["duties"])
    assert [s for s, n in statements.items() if n > 1] == []


def test_exam_task_2_1_is_covered(pack):
    titles = " ".join(t.data["title"] for t in pack["exam_tasks"])
    assert "2.1" in titles and "shared responsibility" in titles.lower()
    assert any("CLF-C02" in t.data["exam"] for t in pack["exam_tasks"])


def test_second_edition_floors(pack):
    """Issue 13: at least 40 services, 400 duties, 60 sourced myths, 200 exam-style questions."""
    assert len(pack["services"]) >= 40
    assert len(pack["duties"]) >= 400
    myths = pack["misconceptions"]
    assert len(myths) >= 60
    assert all(m.data["correction"].strip() and m.data["sources"] for m in myths)
    questions = pack["questions"]
    assert len(questions) >= 200
    for question in questions:
        assert all(o["explanation"].strip() for o in question.data["options"]), question.slug


def test_every_item_records_its_exam_tasks_and_when_its_sources_were_checked(pack):
    for kind in ("duties", "misconceptions", "questions"):
        for item in pack[kind]:
            assert item.data["exam_tasks"] and item.data["checked_on"], (kind, item.slug)
    tasks = {t for kind in ("duties", "questions") for i in pack[kind] for t in i.data["exam_tasks"]}
    assert tasks == {"2.1", "2.2", "2.3", "2.4"}
    assert all(cell["checked_on"] for s in pack["services"] for cell in s.data["matrix"].values())


def test_the_glossary_defines_the_terms_the_lessons_use_from_aws_pages(pack):
    from lessons.glossary import Term, link_terms
    from lessons.markdown import render_markdown

    terms = [
        Term(
            t.slug,
            t.data["term"],
            (t.data["term"], *t.data.get("aliases", [])),
            "",
            "",
            bool(t.data.get("match_case")),
        )
        for t in pack["glossary"]
    ]
    assert len(terms) >= 30
    for term in pack["glossary"]:
        assert all(is_aws(url) for url in term.data["sources"]), term.slug
    used = set()
    for lesson in pack["lessons"]:
        used |= set(link_terms(render_markdown(lesson.data["body"]), terms).slugs)
    assert [t.slug for t in terms if t.slug not in used] == [], "every term appears in some lesson"
    for needed in ("iaas", "paas", "saas", "hypervisor", "guest-os", "sse"):
        assert needed in used


def test_glossary_links_are_listed_in_the_order_export_content_writes_them(pack):
    rank = {
        "layers": {layer.slug: layer.data["order"] for layer in pack["layers"]},
        "services": {service.slug: n for n, service in enumerate(pack["services"])},
        "lessons": {lesson.slug: lesson.data["order"] for lesson in pack["lessons"]},
    }
    for term in pack["glossary"]:
        for key, order in rank.items():
            listed = term.data.get(key, [])
            assert listed == sorted(listed, key=order.__getitem__), (term.slug, key)
