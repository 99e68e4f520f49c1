"""Role credentials on demand: one MFA prompt per day, cached sessions, and a warm path without boto3.

Deciding and storing (credentials, profiles, store, lock, mfa, fast) use the standard library only, so a
warm `rolegate credential-process` answers before boto3 could even be imported; broker, console and
enroll talk to AWS and import boto3 inside the functions that need it.
"""
