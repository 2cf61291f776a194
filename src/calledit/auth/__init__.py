"""Authentication: token verifiers (OIDC/JWKS, local HS256 accounts) and the Principal they yield.

Kept free of web-framework imports so the AWS Lambda authorizer can use calledit.auth.oidc alone.
"""
