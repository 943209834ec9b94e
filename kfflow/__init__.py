"""kfflow — the case engine for competence-supply measures and audit recommendations."""

__version__ = "0.1.0"
