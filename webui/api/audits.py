"""Audits and their recommendations over the API."""
