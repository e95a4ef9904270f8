"""Phone numbers and emails in free text: found with libphonenumber in the grant's region, or by shape without one."""

from __future__ import annotations

import pytest

from aircall_mcp.grants import Grant, GrantError, mask_text, parse_grant, redact_arguments
from aircall_mcp.grants.redact import MAX_MATCHER_DIGITS

from .conftest import SYNTHETIC


def grant(text: str) -> Grant:
    return parse_grant(text, agent="analyst", catalogue=SYNTHETIC)


FR = grant("redact: [phone_numbers, emails]\nphone_region: FR")
NO_REGION = grant("redact: [phone_numbers, emails]")

NATIONAL = [
    ("rappeler au 06 12 34 56 78 svp", "rappeler au •• •• •• •• 78 svp"),
    ("ring 0612345678", "ring ••••••••78"),
    ("bureau 01.76.11.11.45", "bureau ••.••.••.••.45"),
    ("London 0044 20 7946 0958", "London •••• •• •••• ••58"),
    ("Jean 0612345678 Dupont", "Jean ••••••••78 Dupont"),
    ("+44 20 7946 0958", "+44 •• •••• ••58"),
]


@pytest.mark.parametrize(("text", "masked"), NATIONAL)
def test_security_national_and_idd_formats_are_masked_with_a_region(text: str, masked: str) -> None:
    """Security regression: numbers written without "+" passed through unmasked."""
    assert mask_text(FR, text) == masked


@pytest.mark.parametrize(("text", "masked"), [*NATIONAL, ("call (212) 555-0134", "call (•••) •••-••34")])
def test_security_numbers_without_plus_are_masked_when_the_grant_names_no_region(text: str, masked: str) -> None:
    """Security regression: without a region, a digit run shaped like a phone number is masked all the same."""
    assert mask_text(NO_REGION, text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "Customer wants a quote for 15 extra seats.",
        "Demo scheduled for 2026-11-26 at 10:30.",
        "Delivered 26/11/2026, CRM id CUS-12345",
        "Called on 26.11.2026 14:05 for 120 EUR",
    ],
)
@pytest.mark.parametrize("masking", [FR, NO_REGION], ids=["FR", "no region"])
def test_dates_times_amounts_and_short_ids_in_text_are_not_taken_for_phone_numbers(masking: Grant, text: str) -> None:
    assert mask_text(masking, text) == text


def test_emails_in_text_keep_their_first_letter_and_domain() -> None:
    assert mask_text(FR, "write to jane.doe@example.com today") == "write to j•••@example.com today"


def test_percent_encoded_numbers_and_emails_in_links_are_masked() -> None:
    """Security regression: a search's page link repeats its phone_number or email criterion, percent-encoded."""
    link = "https://api.aircall.io/v1/contacts/search?page=2&phone_number=%2B33612345678&email=ann%40corp.example"
    shown = mask_text(NO_REGION, link)
    assert "33612345678" not in shown
    assert "ann@" not in shown
    assert "+33•••••••78" in shown
    assert "a•••@corp.example" in shown


def test_a_link_with_nothing_personal_keeps_its_encoding() -> None:
    link = "https://api.aircall.io/v1/calls?page=2&per_page=50&order=desc&q=a%20b"
    assert mask_text(NO_REGION, link) == link
    assert mask_text(FR, link) == link


def test_without_a_region_any_long_digit_run_in_text_is_masked_on_purpose() -> None:
    # libphonenumber cannot read a national number without its region: over-masking is the safe side.
    assert mask_text(NO_REGION, "Invoice 2026-0042") == "Invoice ••••-••42"
    assert mask_text(FR, "Invoice 2026-0042") == "Invoice 2026-0042"


def test_a_grant_that_masks_nothing_leaves_text_unchanged() -> None:
    assert mask_text(grant("areas: {calls: read}"), "call 06 12 34 56 78") == "call 06 12 34 56 78"


def test_only_the_masked_kinds_are_searched_for() -> None:
    emails_only = grant("redact: [emails]")
    assert mask_text(emails_only, "bob@corp.example 06 12 34 56 78") == "b•••@corp.example 06 12 34 56 78"


def test_audited_free_text_arguments_are_masked_in_the_grants_region() -> None:
    args = {"call_id": 1234567, "content": "rappeler au 06 12 34 56 78"}
    assert redact_arguments(FR, args) == {"call_id": 1234567, "content": "rappeler au •• •• •• •• 78"}


# -- phone_region in grant files ------------------------------------------------------------------------------


def test_phone_region_is_a_two_letter_region_read_in_any_case() -> None:
    assert grant("phone_region: fr").phone_region == "FR"
    assert grant("phone_region: GB").phone_region == "GB"
    assert grant('phone_region: "NO"').phone_region == "NO"
    assert grant("redact: [phone_numbers]").phone_region is None


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("FRA", "a two-letter country code"),
        ("UK", "did you mean"),
        (33, "a two-letter country code"),
        ("NO", 'quote it: phone_region: "NO"'),
    ],
)
def test_an_unknown_phone_region_is_refused_with_what_would_be_valid(value: object, hint: str) -> None:
    with pytest.raises(GrantError) as caught:
        grant(f"phone_region: {value}")
    (problem,) = caught.value.problems
    assert "unknown phone region" in problem
    assert "phone_region" in problem
    assert "analyst.yaml" in problem
    assert hint in problem


def test_a_misspelt_phone_region_key_is_refused_with_a_suggestion() -> None:
    with pytest.raises(GrantError, match="did you mean 'phone_region'"):
        grant("phone_regoin: FR")


@pytest.mark.parametrize("masking", [FR, NO_REGION], ids=["FR", "no region"])
def test_a_text_with_more_numbers_than_the_matcher_budget_is_still_fully_masked(masking: Grant) -> None:
    """Reliability: past MAX_MATCHER_DIGITS the (superlinear) matcher is skipped, never the masking."""
    text = ", ".join(["06 12 34 56 78", "+33 6 98 76 54 32", "0044 20 7946 0958"] * 40)
    assert sum(ch.isdigit() for ch in text) > MAX_MATCHER_DIGITS
    shown = mask_text(masking, text)
    assert "12 34 56" not in shown
    assert "98 76 54" not in shown
    assert "7946" not in shown
    assert shown.count("+33 ") == 40  # country codes of "+" numbers are kept, as for any masked number
