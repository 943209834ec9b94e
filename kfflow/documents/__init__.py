"""Formal documents: the yttrande, the interim and the final report, rendered from case data.

Only reads models; the services in `kfflow.services.documents` check roles and register what is made.
"""
from __future__ import annotations
