"""Endpoint handlers, one module per Aircall area. Each handler maps a Ctx to a Reply or raises ApiError."""
