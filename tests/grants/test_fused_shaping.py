"""Shaping and masking in one walk (`grants.shaped_for`) gives exactly what shaping, then filtering and masking
(`filter_and_redact(grant, endpoint, shape_result(...))`) gives: same values, same key order, same count withheld.

A property over generated JSON-like data for several output models and grants, and examples of the places where
the two could part: references cut before they are masked, free text under unknown keys, withheld secrets,
objects pruned to nothing, the scope filter. tests/server/test_fused_shaping_e2e.py does the same for every
catalogue tool on the sandbox's own answers.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from aircall_mcp.catalogue import CATALOGUE
from aircall_mcp.endpoint import Endpoint
from aircall_mcp.grants import Grant, filter_and_redact, parse_grant, shaped_for
from aircall_mcp.grants.redact import Plan, _mask_phone_in_any_script, mask_phone, plan_for
from aircall_mcp.results import NESTED_REFERENCES, _reference, _referenced, compact_json, prune, shape_result

ENDPOINTS = {endpoint.name: endpoint for endpoint in CATALOGUE}

# Tools whose output models differ in shape (listings with references, single objects, transcripts, messages,
# acknowledgements), with the path values an acknowledgement repeats; a string path value is free text.
ARGUMENTS: dict[str, dict[str, Any]] = {
    "list_calls": {},
    "get_call": {"call_id": 7},
    "get_call_transcription": {"call_id": 7},
    "list_contacts": {},
    "get_contact": {"contact_id": 3},
    "list_users": {},
    "list_user_numbers": {"user_id": "ann.lee@example.com"},
    "get_team": {"team_id": 2},
    "list_numbers": {},
    "list_webhooks": {},
    "get_webhook": {"webhook_id": "0b6f3c1e-6a55-4b8e-9f54-3f2a8d1c9e77"},
    "send_message": {"number_id": 1},
    "get_analytics_export": {"export_id": "exp-+33612345678"},
    "get_user": {"user_id": "mia@x.example"},
}

# Hypothesis draws the first more often: the grants that mask most come first.
GRANTS = {
    "everything, scoped": "redact: [phone_numbers, emails, recordings, voicemails]\nscope: {numbers: [1, 2]}",
    "phones+emails FR": "redact: [phone_numbers, emails]\nphone_region: FR",
    "phones": "redact: [phone_numbers]",
    "emails": "redact: [emails]",
    "media": "redact: [recordings, voicemails]",
    "scoped only": "scope: {numbers: [2]}",
    "none": "areas: {calls: read}",
}
PARSED = {label: parse_grant(text, agent="reader", catalogue=CATALOGUE) for label, text in GRANTS.items()}

# Strings that each mask reads differently: phone numbers (E.164, national, in prose, percent-encoded), emails,
# media links, and strings nothing masks.
PERSONAL_STRINGS = (
    "+33 6 12 34 56 78",
    "+14155550100",
    "06 12 34 56 78",
    "Rappeler au 01 76 11 11 45 avant jeudi",
    "ann.lee@example.com",
    "write to mia@x.example or +44 20 7946 0123",
    "https://api.aircall.io/v1/calls/search?phone_number=%2B33612345678&page=2",
    "mailto:ann%40example.com",
    "https://recordings.example.com/r/91.mp3",
    "anonymous",
    "",
    "Sales",
    "12345",
)


def _keys_of(plan: Plan, depth: int = 3) -> set[str]:
    """The keys an output model names, a few levels down."""
    if depth == 0:
        return set()
    keys = set(plan.fields)
    for sub in (*plan.fields.values(), plan.items):
        if sub is not plan:
            keys |= _keys_of(sub, depth - 1)
    return keys


def _arguments(endpoint: Endpoint) -> BaseModel:
    # Shaping reads only the path values of the arguments (an acknowledgement repeats them): the body fields
    # a tool also requires are left out.
    return endpoint.input_model.model_construct(**ARGUMENTS[endpoint.name])


def json_like(keys: list[str]) -> st.SearchStrategy[Any]:
    """JSON values under the model's keys (and the references, a withheld secret, unknown keys)."""
    personal = st.sampled_from(PERSONAL_STRINGS)
    scalars = st.one_of(
        personal,  # weighted: most examples should hold something a grant masks
        personal,
        personal,
        st.none(),
        st.booleans(),
        st.integers(min_value=0, max_value=3),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=12),
    )
    names = st.one_of(st.sampled_from(keys), st.sampled_from(["token", "note", "x"]), st.text(max_size=4))

    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(st.lists(children, max_size=4), st.dictionaries(names, children, max_size=6))

    return st.recursive(scalars, extend, max_leaves=24)


def items(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """A listing's items: objects that often carry a number (what scope.numbers reads)."""
    number = st.one_of(
        st.none(), st.fixed_dictionaries({"id": st.integers(0, 3)}, optional={"digits": json_like(keys)})
    )
    return st.builds(
        lambda extra, fixed: {**extra, **fixed},
        st.dictionaries(st.sampled_from(keys), json_like(keys), max_size=6),
        st.fixed_dictionaries({}, optional={"id": st.integers(0, 3), "number": number}),
    )


@st.composite
def answers(draw: st.DrawFn) -> tuple[Endpoint, Any, dict[str, Any]]:
    """(endpoint, Aircall's answer, the pager's figures) for one of ARGUMENTS' tools."""
    endpoint = ENDPOINTS[draw(st.sampled_from(sorted(ARGUMENTS)))]
    keys = sorted(_keys_of(plan_for(endpoint.output_model)) | set(NESTED_REFERENCES))
    paging: dict[str, Any] = {}
    if endpoint.list_key is None:
        data = draw(
            st.one_of(st.none(), st.just({}), st.dictionaries(st.sampled_from(keys), json_like(keys)), json_like(keys))
        )
        return endpoint, data, paging
    listed = st.lists(items(keys), max_size=6)
    envelope = st.builds(
        lambda found, rest: {**rest, endpoint.list_key: found},
        listed,
        st.dictionaries(st.sampled_from(["meta", "token", "note"]), json_like(keys), max_size=2),
    )
    data = draw(st.one_of(envelope, listed, json_like(keys).filter(lambda value: isinstance(value, list))))
    if isinstance(data, list) or draw(st.booleans()):
        paging = {"pages_fetched": draw(st.integers(1, 4)), "more_available": draw(st.booleans()), "capped": False}
    return endpoint, data, paging


def two_walks(grant: Grant, endpoint: Endpoint, data: Any, paging: dict[str, Any]) -> tuple[dict[str, Any], int]:
    shaped = shape_result(endpoint, _arguments(endpoint), copy.deepcopy(data), **paging)
    return filter_and_redact(grant, endpoint, shaped)


def assert_same(grant: Grant, endpoint: Endpoint, data: Any, paging: dict[str, Any]) -> dict[str, Any]:
    """The fused result (with the count withheld, if any), once proven equal to the two walks'."""
    before = copy.deepcopy(data)
    fused, withheld = shaped_for(grant, endpoint, _arguments(endpoint), data, **paging)
    assert data == before, "shaping must leave Aircall's answer as it was"
    expected, expected_withheld = two_walks(grant, endpoint, data, paging)
    assert fused == expected
    assert compact_json(fused) == compact_json(expected), "same key order, so the same text content"
    assert withheld == expected_withheld
    return {**fused, "withheld": withheld} if withheld else fused


# ----------------------------------------------------------------------------------------------------------------
# The property


@settings(max_examples=400, deadline=None)
@given(answers(), st.sampled_from(list(GRANTS)))
def test_security_one_walk_masks_and_withholds_exactly_as_shaping_then_redacting(
    answer: tuple[Endpoint, Any, dict[str, Any]], grant_label: str
) -> None:
    endpoint, data, paging = answer
    fused = assert_same(PARSED[grant_label], endpoint, data, paging)
    # What the examples exercised (pytest --hypothesis-show-statistics).
    event("masked" if "•" in compact_json(fused) or "[redacted]" in compact_json(fused) else "nothing masked")
    event("withheld by scope" if fused.get("withheld") else "nothing withheld")


# ----------------------------------------------------------------------------------------------------------------
# Where the two walks could part


MASKS_ALL = PARSED["everything, scoped"]


def test_security_a_reference_in_a_listing_is_cut_before_it_is_masked() -> None:
    """Security regression: a nested user's email is masked in its reference, and its other fields are gone."""
    user = {"id": 1, "name": "Ann Lee", "email": "ann.lee@example.com", "direct_link": "+33612345678"}
    data = {"calls": [{"id": 1, "number": {"id": 1, "digits": "+33 1 76 11 11 45", "country": "FR"}, "user": user}]}
    fused, withheld = shaped_for(MASKS_ALL, ENDPOINTS["list_calls"], _arguments(ENDPOINTS["list_calls"]), data)
    call = fused["calls"][0]
    assert call["user"] == {"id": 1, "name": "Ann Lee", "email": "a•••@example.com"}
    assert call["number"] == {"id": 1, "digits": "+33 • •• •• •• 45"}
    assert withheld == 0
    assert_same(MASKS_ALL, ENDPOINTS["list_calls"], data, {})


def test_security_free_text_under_keys_no_model_names_is_masked_in_the_same_walk() -> None:
    """Security regression: an unknown key is free text, searched for phone numbers and emails at any depth."""
    data = {"call": {"id": 2, "number": {"id": 2}, "x_note": {"deep": ["call +44 20 7946 0123", "mia@x.example"]}}}
    fused, _ = shaped_for(MASKS_ALL, ENDPOINTS["get_call"], _arguments(ENDPOINTS["get_call"]), data)
    assert fused["call"]["x_note"] == {"deep": ["call +44 •• •••• ••23", "m•••@x.example"]}
    assert_same(MASKS_ALL, ENDPOINTS["get_call"], data, {})


def test_security_withheld_secrets_and_emptied_objects_are_dropped_before_masking() -> None:
    data = {"webhook": {"id": 1, "token": "s3cret", "url": "https://hooks.example.com", "custom": {"a": None, "b": []}}}
    endpoint = ENDPOINTS["get_webhook"]
    fused, _ = shaped_for(MASKS_ALL, endpoint, _arguments(endpoint), data)
    assert fused == {"webhook": {"id": 1, "url": "https://hooks.example.com"}}
    assert_same(MASKS_ALL, endpoint, data, {})


def test_an_acknowledgement_repeats_its_path_value_masked() -> None:
    endpoint = ENDPOINTS["get_user"]
    assert shaped_for(MASKS_ALL, endpoint, _arguments(endpoint), None) == ({"ok": True, "user_id": "m•••@x.example"}, 0)
    for name in ("get_user", "list_user_numbers", "get_webhook"):
        assert_same(MASKS_ALL, ENDPOINTS[name], None, {})


def test_scope_still_withholds_calls_and_numbers_outside_it_after_masking() -> None:
    calls = [{"id": 1, "number": {"id": 1, "digits": "+33612345678"}}, {"id": 2, "number": {"id": 9}}, {"id": 3}]
    fused, withheld = shaped_for(MASKS_ALL, ENDPOINTS["list_calls"], _arguments(ENDPOINTS["list_calls"]), calls)
    assert [call["id"] for call in fused["calls"]] == [1]
    assert withheld == 2
    numbers = {"numbers": [{"id": 2, "digits": "+33612345678"}, {"id": 5}], "meta": {"total": 2}}
    endpoint = ENDPOINTS["list_numbers"]
    fused, withheld = shaped_for(MASKS_ALL, endpoint, _arguments(endpoint), numbers)
    assert fused["numbers"] == [{"id": 2, "digits": "+33•••••••78"}]
    assert withheld == 1
    assert_same(MASKS_ALL, endpoint, numbers, {})


def test_values_json_never_holds_are_kept_whole_and_masked_as_before() -> None:
    """Tuples and str subclasses do not come out of json.loads, but the one walk treats them as the two did."""

    class Label(str):
        __slots__ = ()

    data = {
        "call": {
            "id": 1,
            "number": {"id": 1},
            "x_list": ("+33612345678", "ok"),
            "x_label": Label("+33612345678"),
            "x_nested": [("+33612345678",)],
        }
    }
    fused, _ = shaped_for(MASKS_ALL, ENDPOINTS["get_call"], _arguments(ENDPOINTS["get_call"]), data)
    assert fused["call"]["x_list"] == ["+33•••••••78", "ok"]
    assert fused["call"]["x_label"] == "+33•••••••78"
    assert fused["call"]["x_nested"] == [["+33•••••••78"]]
    assert_same(MASKS_ALL, ENDPOINTS["get_call"], data, {})


# ----------------------------------------------------------------------------------------------------------------
# The phone mask's fast path (ASCII text) hides exactly what the character-by-character one hides

phone_like_text = st.text(alphabet="0123456789+ -.()/#xabc", max_size=30) | st.sampled_from(PERSONAL_STRINGS)


@settings(max_examples=500, deadline=None)
@given(phone_like_text, st.text(alphabet=" \t", max_size=2))
def test_security_the_ascii_phone_mask_hides_what_the_general_one_hides(text: str, padding: str) -> None:
    assert mask_phone(padding + text) == _mask_phone_in_any_script(padding + text)


# ----------------------------------------------------------------------------------------------------------------
# References are cut before the rest of an object is pruned, with the result of pruning it whole, then cutting


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(NESTED_REFERENCES)), json_like(["id", "name", "email", "digits", "token", "x"]))
def test_a_reference_cut_first_is_the_reference_of_the_whole_pruned_value(key: str, value: Any) -> None:
    fields = NESTED_REFERENCES[key]
    whole = prune(value)
    empty = whole is None or (isinstance(whole, dict | list) and not whole)
    assert _referenced(fields, value) == (None if empty else _reference(fields, whole))
