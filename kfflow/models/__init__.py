"""SQLAlchemy models. No business rules here beyond invariants."""
from kfflow.db import Base
from kfflow.models.audit import Audit, Recommendation, RecommendationMeasure
from kfflow.models.document import DocumentRecord, DocumentRegisterIsAppendOnly
from kfflow.models.history import HistoryEntry, HistoryIsAppendOnly
from kfflow.models.measure import Measure, ProgressReport
from kfflow.models.setting import Setting
from kfflow.models.user import Body, User
from kfflow.models.api_token import ApiToken, TokenRequestFailure  # noqa: E402  (JSON API tokens)

CASE_MODELS = {cls.case_kind: cls for cls in (Measure, Recommendation, Audit)}

__all__ = ["Base", "Audit", "Recommendation", "RecommendationMeasure", "HistoryEntry",
           "HistoryIsAppendOnly", "Measure", "ProgressReport", "Body", "User", "Setting", "CASE_MODELS"]
__all__ += ["DocumentRecord", "DocumentRegisterIsAppendOnly"]
