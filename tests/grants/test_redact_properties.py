"""Property: a phone number written in any usual format, anywhere in free text, leaves no more than its country
code and last two digits visible to a grant that masks phone numbers."""

from __future__ import annotations

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat

from aircall_mcp.grants import mask_text, parse_grant

from .conftest import SYNTHETIC

REGIONS = ("FR", "GB", "US", "DE", "ES", "IT", "NL", "BE")
IDD = {"US": "011"}  # every other region here dials out with 00
words = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèà,.:!?'", min_size=1, max_size=8), max_size=6)


@st.composite
def written_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """(region, the number as a person would write it): national, international, E.164 or with the IDD prefix."""
    region = draw(st.sampled_from(REGIONS))
    kind = draw(st.sampled_from([phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]))
    example = phonenumbers.example_number_for_type(region, kind)
    assert example is not None
    national = str(example.national_number)
    tail = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=4, max_size=4)))
    number = phonenumbers.parse(f"+{example.country_code}{national[:-4]}{tail}", None)
    style = draw(st.sampled_from(["national", "international", "e164", "idd"]))
    if style == "national":
        return region, phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    if style == "international":
        return region, phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return region, e164 if style == "e164" else IDD.get(region, "00") + e164[1:]


@settings(max_examples=100, deadline=None)
@given(written_numbers(), words, words, st.booleans())
def test_security_no_written_phone_number_survives_masking(
    written: tuple[str, str], before: list[str], after: list[str], name_the_region: bool
) -> None:
    region, number = written
    grant_text = "redact: [phone_numbers]" + (f"\nphone_region: {region}" if name_the_region else "")
    grant = parse_grant(grant_text, agent="reader", catalogue=SYNTHETIC)
    text = " ".join([*before, number, *after])
    shown = mask_text(grant, text)
    visible = "".join(ch for ch in shown if ch.isdigit())
    # At most a 3-digit country code ("+" numbers only) and the last two digits.
    assert len(visible) <= 5, f"{text!r} -> {shown!r}"
    assert "•" in shown
