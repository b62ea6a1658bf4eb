"""Property-based: whatever a company writes into a posting, the public document never carries an internal field
or a hidden salary, and the preview of a draft is byte for byte the page served once it is published."""

import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from recruiting_postings.domain.model import EMPLOYMENT_TYPES, MAX_SALARY, Posting
from recruiting_postings.domain.projection import public_document, render_public

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
# Internal values carry a private-use character that public text never contains: if it shows up in the public
# bytes, an internal field leaked, whatever else the texts look like.
MARK = "\ue000"
public_text = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=MARK), max_size=80)
internal_text = public_text.map(lambda text: MARK + text)
salary = st.none() | st.integers(min_value=0, max_value=MAX_SALARY)
PUBLIC_KEYS = {"id", "title", "description", "location", "employment_type", "remote", "closes_at", "company", "salary"}


@st.composite
def postings(draw) -> Posting:
    low, high = sorted([draw(st.integers(0, MAX_SALARY)), draw(st.integers(0, MAX_SALARY))])
    salary_min, salary_max = draw(st.sampled_from([(low, high), (None, high), (low, None), (None, None)]))
    return Posting.draft(
        company_id=uuid4(), now=NOW,
        title=draw(public_text.filter(str.strip)),
        description=draw(public_text), location=draw(public_text),
        employment_type=draw(st.sampled_from(EMPLOYMENT_TYPES)), remote=draw(st.booleans()),
        salary_min=salary_min, salary_max=salary_max, show_salary=draw(st.booleans()),
        closes_at=draw(st.none() | st.timedeltas(timedelta(minutes=1), timedelta(days=700)).map(lambda d: NOW + d)),
        internal_notes=draw(internal_text), internal_reference=draw(internal_text),
    )


@settings(max_examples=300)
@given(posting=postings(), company_name=st.none() | public_text)
def test_the_public_document_shows_only_public_fields(posting, company_name):
    rendered = render_public(posting, company_name)
    document = json.loads(rendered)
    assert set(document) <= PUBLIC_KEYS
    assert MARK not in rendered.decode()
    assert "internal_notes" not in document and "internal_reference" not in document
    if not posting.show_salary:
        assert "salary" not in document
    elif posting.salary_min is not None or posting.salary_max is not None:
        assert document["salary"]["min"] == posting.salary_min and document["salary"]["max"] == posting.salary_max
    assert document["title"] == posting.title and document["description"] == posting.description
    assert document["company"] == {"id": str(posting.company_id), "name": company_name}


@settings(max_examples=300)
@given(posting=postings(), company_name=st.none() | public_text, minutes=st.integers(0, 59))
def test_the_preview_of_a_draft_is_the_published_page(posting, company_name, minutes):
    published = posting.publish(NOW + timedelta(seconds=minutes))
    assert render_public(posting, company_name) == render_public(published, company_name)


@given(posting=postings())
def test_the_same_posting_always_renders_to_the_same_bytes(posting):
    assert render_public(posting, "ACME") == render_public(posting, "ACME")
    assert json.loads(render_public(posting, "ACME")) == json.loads(json.dumps(public_document(posting, "ACME"), default=str))
