"""SQLAlchemy models. No business rules here beyond invariants.

Every model module is imported here so that the metadata (and Alembic) sees every table.
"""
from kfflow.db import Base
from kfflow.models.api_token import ApiToken
from kfflow.models.attachment import Attachment, AttachmentIsImmutable
from kfflow.models.audit import Audit, Recommendation, RecommendationMeasure
from kfflow.models.calendar import CalendarToken
from kfflow.models.comment import Comment
from kfflow.models.document import DocumentRecord, DocumentRegisterIsAppendOnly
from kfflow.models.history import HistoryEntry, HistoryIsAppendOnly
from kfflow.models.indicator import Indicator, Measurement
from kfflow.models.job import Job
from kfflow.models.lagesbild_snapshot import LagesbildSnapshot
from kfflow.models.login import LoginSession
from kfflow.models.measure import Measure, ProgressReport
from kfflow.models.notification import Notification, NotificationPreference
from kfflow.models.outbox import OutboxMessage
from kfflow.models.secrecy import SecrecyMarking
from kfflow.models.setting import Setting
from kfflow.models.sign_in_failure import SignInFailure
from kfflow.models.stored_file import StoredFile, StoredFileIsImmutable
from kfflow.models.thinning import ThinningLogEntry
from kfflow.models.user import AccountEvent, Body, User, UserRoleChange

__all__ = [
    "Base",
    "AccountEvent", "ApiToken", "Attachment", "AttachmentIsImmutable", "Audit", "Recommendation",
    "RecommendationMeasure", "CalendarToken",
    "Comment", "DocumentRecord", "DocumentRegisterIsAppendOnly", "HistoryEntry", "HistoryIsAppendOnly", "Indicator", "Job",
    "LagesbildSnapshot",
    "LoginSession", "Measure", "Measurement", "ProgressReport", "Notification", "NotificationPreference",
    "OutboxMessage", "SecrecyMarking", "Setting", "SignInFailure", "StoredFile", "StoredFileIsImmutable", "ThinningLogEntry", "Body",
    "User", "UserRoleChange",
]
