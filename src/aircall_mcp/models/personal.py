"""What kind of personal data a string field of an output model can hold: the tags grant redaction follows.

Every string field of an output model carries exactly one tag (a test keeps it so). The tag is pydantic
metadata only: it changes neither validation nor the published output schema. A tag on a container (a list
or a mapping) applies to every string inside it. `grants.redact` turns the tags into a plan per model.

`extra_fields` on an output model tags the fields Aircall sends that the model leaves undeclared (to keep its
schema short). A key known to neither is read as free text, the safe default.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated


class Personal(Enum):
    PHONE = "phone number"
    EMAIL = "email address"
    RECORDING = "recording link"
    VOICEMAIL = "voicemail link"
    MEDIA = "recording or voicemail link"  # a call's `asset`: the secured page of either
    TEXT = "free text"  # written by people (names, comments, transcripts): searched for numbers and emails
    NONE = "not personal (reviewed)"  # ids, enums, timestamps, API links, colours, time zones


# Output field types (every output field is optional: absent and null mean the same).
PhoneText = Annotated[str | None, Personal.PHONE]
EmailText = Annotated[str | None, Personal.EMAIL]
RecordingLink = Annotated[str | None, Personal.RECORDING]
VoicemailLink = Annotated[str | None, Personal.VOICEMAIL]
MediaLink = Annotated[str | None, Personal.MEDIA]
FreeText = Annotated[str | None, Personal.TEXT]
NotPersonal = Annotated[str | None, Personal.NONE]
