"""The name of the events tool, apart from the machinery: the server checks every call against it, events on or
off, and must not load the feed (its model, store and receiver) to do so."""

WAIT_FOR_EVENTS = "wait_for_events"
