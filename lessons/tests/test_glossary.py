"""The glossary: its pack rules, loading and export, the first-use linker, its page, search and admin."""

import datetime

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from lessons.glossary import Term, link_terms
from lessons.loading import load_content
from lessons.models import GlossaryTerm
from lessons.pack import PackError, load_pack

from .factories import AWS_URL, GlossaryTermFactory, LayerFactory, LessonFactory, ServiceFactory
from .packs import minimal_files, problems, write_files


@pytest.fixture
def files():
    return minimal_files()


def terms(files) -> list[dict]:
    return files["glossary.yaml"]["terms"]


# ---------- Pack rules, each broken once ----------


def test_the_minimal_glossary_is_valid(tmp_path, files):
    pack = load_pack(write_files(tmp_path / "content", files))
    assert [t.slug for t in pack["glossary"]] == ["guest-os", "sse"]


def test_a_pack_without_a_glossary_is_valid(tmp_path, files):
    del files["glossary.yaml"]
    assert load_pack(write_files(tmp_path / "content", files))["glossary"] == []


def test_glossary_slugs_are_unique(tmp_path, files):
    terms(files)[1]["slug"] = "guest-os"
    assert (
        "glossary term 'guest-os': slug is not unique (also in content/glossary.yaml)"
        in problems(tmp_path, files)[0]
    )


def test_an_alias_belongs_to_one_term_only(tmp_path, files):
    terms(files)[1]["aliases"] = ["SSE", "Guest OS"]
    assert problems(tmp_path, files) == [
        "content/glossary.yaml: glossary term 'sse': 'Guest OS' is already a name or alias of glossary term "
        "'guest-os'"
    ]


def test_an_alias_may_not_be_another_terms_name(tmp_path, files):
    terms(files)[1]["aliases"] = ["guest  operating system"]  # case and spacing do not count
    assert "is already a name or alias of glossary term 'guest-os'" in problems(tmp_path, files)[0]


def test_a_term_does_not_list_the_same_form_twice(tmp_path, files):
    terms(files)[1]["aliases"] = ["SSE", "sse"]
    assert problems(tmp_path, files) == [
        "content/glossary.yaml: glossary term 'sse': 'sse' is listed twice (as the term or an alias)"
    ]


def test_aliases_are_non_empty_words(tmp_path, files):
    terms(files)[1]["aliases"] = ["SSE", " "]
    assert "'aliases' must be a list of non-empty words or phrases" in problems(tmp_path, files)[0]


def test_a_definition_is_required_and_not_empty(tmp_path, files):
    terms(files)[0]["definition"] = "  "
    del terms(files)[1]["definition"]
    assert [p.split(": ", 2)[2] for p in problems(tmp_path, files)] == [
        "'definition' must not be empty",
        "'definition' is required",
    ]


def test_a_definition_is_short(tmp_path, files):
    terms(files)[0]["definition"] = "a" * 501
    assert "'definition' is 501 characters long; the most is 500" in problems(tmp_path, files)[0]


def test_every_term_needs_a_source_and_a_checked_date(tmp_path, files):
    terms(files)[0]["sources"] = []
    del terms(files)[1]["checked_on"]
    assert [p.split(": ", 2)[2] for p in problems(tmp_path, files)] == [
        "needs at least one source URL",
        "'checked_on' is required",
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("services", ["ec3"], "'services' names unknown service 'ec3'"),
        ("layers", ["roof"], "'layers' names unknown layer 'roof'"),
        ("lessons", ["intro"], "'lessons' names unknown lesson 'intro'"),
    ],
)
def test_a_term_names_only_services_layers_and_lessons_that_exist(tmp_path, files, field, value, message):
    terms(files)[0][field] = value
    assert problems(tmp_path, files) == [f"content/glossary.yaml: glossary term 'guest-os': {message}"]


def test_a_glossary_file_that_is_not_a_list_of_terms_is_reported(tmp_path, files):
    files["glossary.yaml"] = {"glossary": terms(files)}
    assert problems(tmp_path, files) == ["content/glossary.yaml: -: must be a mapping with a 'terms:' list"]


# ---------- Loading and export ----------


@pytest.mark.django_db
def test_loading_creates_the_terms_with_their_links(tmp_path, files):
    load_content(write_files(tmp_path / "content", files))
    term = GlossaryTerm.objects.get(slug="guest-os")
    assert (term.term, term.aliases, term.checked_on) == (
        "Guest operating system",
        ["guest OS"],
        datetime.date(2026, 11, 22),
    )
    assert list(term.layers.values_list("slug", flat=True)) == ["guest-os"]
    assert list(term.services.values_list("slug", flat=True)) == ["ec2"]


@pytest.mark.django_db
def test_reloading_updates_by_slug_and_removes_dropped_terms(tmp_path, files):
    load_content(write_files(tmp_path / "v1", files))
    pk = GlossaryTerm.objects.get(slug="guest-os").pk
    terms(files)[0]["definition"] = "The OS in an instance."
    del terms(files)[0]["services"]
    files["glossary.yaml"]["terms"] = terms(files)[:1]
    load_content(write_files(tmp_path / "v2", files))
    term = GlossaryTerm.objects.get()
    assert (term.pk, term.definition, term.services.count()) == (pk, "The OS in an instance.", 0)


@pytest.mark.django_db
def test_a_bad_glossary_loads_nothing(tmp_path, files):
    load_content(write_files(tmp_path / "v1", files))
    terms(files)[0]["definition"] = "Changed."
    terms(files)[1]["aliases"] = ["guest OS"]
    with pytest.raises(PackError):
        load_content(write_files(tmp_path / "v2", files))
    assert (
        GlossaryTerm.objects.get(slug="guest-os").definition
        == "The operating system inside a virtual machine."
    )


@pytest.mark.django_db
def test_the_json_export_lists_the_glossary(client, tmp_path, files):
    load_content(write_files(tmp_path / "content", files))
    glossary = client.get(reverse("lessons:matrix_json")).json()["glossary"]
    assert [t["slug"] for t in glossary] == ["guest-os", "sse"]
    assert glossary == terms(files)  # every field, as written


# ---------- The first-use linker ----------


def term(slug, name, *aliases, definition="What it means.", match_case=False) -> Term:
    return Term(slug, name, (name, *aliases), definition, f"/glossary/#term-{slug}", match_case)


SSE = term("sse", "Server-side encryption", "SSE", definition='Encryption "at rest" by the service.')
GUEST = term("guest-os", "Guest operating system", "guest OS")
REGION = term("region", "Region", "AWS Region", match_case=True)
OS = term("os", "Operating system")


def linked(html: str, *terms: Term) -> str:
    return str(link_terms(html, list(terms)).html)


def test_only_the_first_use_of_a_term_is_linked():
    html = linked("<p>SSE is on. SSE again.</p><p>Server-side encryption too.</p>", SSE)
    assert html.count("<a ") == 1
    assert html.startswith('<p><a class="term-link" href="/glossary/#term-sse"')
    assert html.endswith("</span> is on. SSE again.</p><p>Server-side encryption too.</p>")


def test_the_link_keeps_the_authors_words_and_a_toggletip_gives_the_definition():
    html = linked("<p>Use server-side Encryption.</p>", SSE)
    assert html == (
        '<p>Use <a class="term-link" href="/glossary/#term-sse">server-side Encryption</a>'
        '<button type="button" class="term-tip-button" popovertarget="term-tip-sse">'
        '<span aria-hidden="true">?</span><span class="visually-hidden">Define Server-side encryption</span>'
        '</button><span class="term-tip" id="term-tip-sse" popover><strong>Server-side encryption</strong> '
        'Encryption "at rest" by the service. <button type="button" class="term-tip-close" '
        'popovertarget="term-tip-sse" popovertargetaction="hide">Close</button></span>.</p>'
    )


def test_the_toggletip_names_the_term_when_the_text_is_an_alias():
    assert "<strong>Server-side encryption</strong> Encryption" in linked("<p>Then SSE.</p>", SSE)


@pytest.mark.parametrize("tag", ["button", "label", "summary"])
def test_no_toggletip_inside_another_control(tag):
    assert "term-link" not in linked(f"<details><{tag}>SSE</{tag}></details>", SSE)


def test_a_definition_is_escaped_in_the_toggletip():
    evil = term("x", "X <i>", "X", definition="<script>alert(1)</script> & more")
    html = linked("<p>X here</p>", evil)
    assert "<script>" not in html and "<i>" not in html
    assert "<strong>X &lt;i&gt;</strong> &lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html


def test_terms_inside_links_code_headings_and_abbreviations_are_left_alone():
    html = linked(
        '<h2>SSE</h2><p><a href="https://aws.amazon.com/sse/">SSE</a> <code>SSE</code> '
        '<abbr title="SSE">SSE</abbr></p><pre><code>SSE</code></pre><p>Then SSE.</p>',
        SSE,
    )
    assert html.count("term-link") == 1
    assert '<p>Then <a class="term-link" href="/glossary/#term-sse">SSE</a><button' in html
    assert '<a href="https://aws.amazon.com/sse/">SSE</a>' in html


def test_attributes_are_never_rewritten():
    source = '<p><a href="https://aws.amazon.com/" title="SSE and guest OS">AWS</a> then guest OS.</p>'
    html = linked(source, SSE, GUEST)
    assert '<a href="https://aws.amazon.com/" title="SSE and guest OS">AWS</a>' in html
    assert html.count("term-link") == 1


@pytest.mark.parametrize("text", ["SSEC", "SSE-KMS", "aSSE", "SSE_x", "assessment"])
def test_a_term_matches_whole_words_only(text):
    assert "term-link" not in linked(f"<p>{text} here</p>", SSE)


def test_a_plural_s_and_any_case_still_match():
    assert ">Regions</a>" in linked("<p>Two Regions.</p>", REGION)
    assert ">GUEST OS</a>" in linked("<p>The GUEST OS.</p>", GUEST)


def test_a_term_that_matches_case_links_only_its_own_capitals():
    assert "term-link" not in linked("<p>Countries and regions have laws.</p>", REGION)
    assert ">AWS Regions</a>" in linked("<p>Two AWS Regions.</p>", REGION)


def test_match_case_must_be_true_or_false(tmp_path, files):
    terms(files)[0]["match_case"] = "yes"
    assert "'match_case' must be a bool" in problems(tmp_path, files)[0]


def test_a_multi_word_term_matches_across_a_line_break():
    assert ">guest\noperating system</a>" in linked("<p>The guest\noperating system.</p>", GUEST)


def test_the_longest_form_wins_where_terms_overlap():
    html = linked("<p>Patch the guest operating system, not the operating system under it.</p>", GUEST, OS)
    assert ">guest operating system</a>" in html
    assert 'term-os">operating system</a>' in html
    assert html.endswith("</span> under it.</p>")


def test_text_stays_escaped_and_nothing_else_changes():
    source = "<p>1 &lt; 2 &amp; <strong>bold</strong> text<br></p>"
    assert linked(source, SSE) == source


def test_the_linker_reports_which_terms_it_linked_in_order():
    assert link_terms("<p>guest OS, then SSE, then SSE.</p>", [SSE, GUEST]).slugs == ("guest-os", "sse")


# ---------- Pages ----------


@pytest.fixture
def glossary(db):
    layer = LayerFactory(slug="encryption", name="Encryption choices")
    s3 = ServiceFactory(slug="s3", name="Amazon S3")
    lesson = LessonFactory(
        slug="abstracted",
        title="Abstracted services",
        body="## SSE\n\nAmazon S3 applies SSE by default. Later, SSE again.\n\nThe `SSE` header.",
    )
    sse = GlossaryTermFactory(
        slug="sse",
        term="Server-side encryption",
        aliases=["SSE"],
        definition="Encryption that the service performs when it stores the data.",
        layers=[layer],
        services=[s3],
    )
    sse.lessons.add(lesson)
    GlossaryTermFactory(slug="aaa-first", term="availability zone", definition="A zone.")
    GlossaryTermFactory(
        slug="iaas", term="Infrastructure as a Service", aliases=["IaaS"], definition="Blocks."
    )
    return lesson


def test_the_glossary_page_lists_terms_alphabetically_with_letter_jumps_and_anchors(client, glossary):
    response = client.get(reverse("lessons:glossary"))
    html = response.content.decode()
    assert (
        html.index("availability zone")
        < html.index("Infrastructure as a Service")
        < html.index("Server-side encryption")
    )
    for letter in "AIS":
        assertContains(response, f'<a href="#letter-{letter.lower()}">{letter}</a>', html=True)
        assertContains(response, f'id="letter-{letter.lower()}"')
    assertNotContains(response, 'href="#letter-b"')
    assertContains(response, 'id="term-sse"')
    assertContains(response, "(also SSE)")
    assertContains(response, "Encryption that the service performs when it stores the data.")
    assertContains(response, 'href="/services/s3/"')
    assertContains(response, "?layer=encryption")
    assertContains(
        response, f'First used in: <a href="{glossary.get_absolute_url()}">Abstracted services</a>'
    )
    assertContains(response, "checked <time")
    assert "csrftoken" not in response.cookies


def test_an_alias_starting_with_another_letter_is_filed_there_as_a_cross_reference(client, glossary):
    GlossaryTermFactory(
        slug="iam",
        term="AWS Identity and Access Management",
        aliases=["IAM", "Identity and Access Management"],
    )
    response = client.get(reverse("lessons:glossary"))
    html = response.content.decode()
    see = '<div class="glossary-see"><dt>IAM</dt><dd>see <a href="#term-iam">AWS Identity and Access Management</a></dd></div>'
    assert html.count(see) == 1  # once per letter: the second I alias adds nothing
    assert html.index('id="letter-i"') < html.index(see) < html.index("Infrastructure as a Service")
    assert "<dt>SSE</dt>" not in html  # same letter as its term: no cross-reference


def test_the_glossary_page_says_how_to_fill_an_empty_glossary(client, db):
    assertContains(client.get(reverse("lessons:glossary")), "The glossary is empty")


def test_a_lesson_links_the_first_use_of_each_term_to_the_glossary(client, glossary):
    response = client.get(glossary.get_absolute_url())
    html = response.content.decode()
    assert html.count('href="/glossary/#term-sse"') == 1
    assertContains(
        response, 'Amazon S3 applies <a class="term-link" href="/glossary/#term-sse">SSE</a><button'
    )
    assertContains(
        response,
        "<strong>Server-side encryption</strong> Encryption that the service performs when it stores the data.",
    )
    assertContains(response, "<h2>SSE</h2>", html=True)
    assertContains(response, "<code>SSE</code>", html=True)
    assertContains(response, 'href="/glossary/">glossary</a>')


def test_a_lesson_picks_up_a_new_term_when_the_content_version_changes(client, glossary):
    from lessons import documents

    url = glossary.get_absolute_url()
    assertNotContains(client.get(url), "#term-default")
    GlossaryTermFactory(slug="default", term="by default", definition="Without asking.")
    assertNotContains(client.get(url), "#term-default")  # cached until the content changes
    documents.content_changed()
    assertContains(client.get(url), 'href="/glossary/#term-default"')


def test_site_search_finds_glossary_terms_by_name_alias_or_definition(client, glossary):
    response = client.get(reverse("lessons:site_search"), {"q": "SSE"})
    assertContains(response, "Glossary (1)")
    assertContains(response, '<a href="/glossary/#term-sse">Server-side encryption</a>', html=True)
    assertContains(client.get(reverse("lessons:site_search"), {"q": "stores data"}), "Glossary (1)")
    assertNotContains(client.get(reverse("lessons:site_search"), {"q": "quokka"}), "Glossary (")
    GlossaryTermFactory(slug="artifact", term="AWS Artifact", definition="Reports for assessments.")
    found = client.get(reverse("lessons:site_search"), {"q": "SSE"}).context["results"].terms
    assert [t.slug for t in found] == ["sse"], "a word matches where a word starts, not inside 'assessments'"


def test_a_term_named_by_the_search_comes_first(client, glossary):
    GlossaryTermFactory(slug="kms-key", term="KMS key", definition="A key for SSE and more.")
    found = client.get(reverse("lessons:site_search"), {"q": "sse"}).context["results"].terms
    assert [t.slug for t in found] == ["sse", "kms-key"]


def test_the_footer_links_the_glossary(client, db):
    assertContains(
        client.get(reverse("home")), f'<a href="{reverse("lessons:glossary")}">Glossary</a>', html=True
    )


# ---------- Admin ----------


@pytest.fixture
def staff_client(client, db):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser("editor", "editor@example.com", "pw-for-tests-only")
    client.force_login(user)
    return client


def term_post(**extra):
    return {
        "slug": "sse-again",
        "term": "Encryption on the server",
        "aliases": "SSE\nserver encryption",
        "definition": "Encryption by the service.",
        "sources": AWS_URL,
        "checked_on": "2026-12-01",
        "position": 0,
        **extra,
    }


def test_admin_refuses_an_alias_another_term_has(staff_client, glossary):
    response = staff_client.post(reverse("admin:lessons_glossaryterm_add"), term_post())
    assert response.status_code == 200
    assertContains(response, "&#x27;SSE&#x27; is already a name or alias of glossary term &#x27;sse&#x27;.")
    assert not GlossaryTerm.objects.filter(slug="sse-again").exists()


def test_admin_saves_a_valid_term_and_changes_the_content_version(staff_client, glossary):
    from lessons import documents

    before = documents.content_version()
    response = staff_client.post(
        reverse("admin:lessons_glossaryterm_add"), term_post(aliases="server encryption")
    )
    assert response.status_code == 302
    assert GlossaryTerm.objects.get(slug="sse-again").aliases == ["server encryption"]
    assert documents.content_version() != before


def test_admin_edits_a_term_without_clashing_with_itself(staff_client, glossary):
    sse = GlossaryTerm.objects.get(slug="sse")
    response = staff_client.post(
        reverse("admin:lessons_glossaryterm_change", args=[sse.pk]),
        term_post(slug="sse", term="Server-side encryption", aliases="SSE"),
    )
    assert response.status_code == 302
