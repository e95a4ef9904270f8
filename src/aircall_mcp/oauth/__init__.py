"""OAuth 2.1 for hosted agents: this server as a protected resource that trusts the company's identity provider.

`settings` says which issuer and resource; `issuer` reads the issuer's metadata and keys; `tokens` verifies one
token into a `Principal`; `principals` finds the one agent a principal is from the grant files; `gate` refuses
what is not accepted at the HTTP edge, audited, before the MCP server sees it. Import from the submodules:
this package imports nothing itself, so reading settings does not load the HTTP and JOSE machinery.
"""
