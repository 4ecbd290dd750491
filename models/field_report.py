"""Reports made from the phone in the field (报修, 恢复正常, 报告问题, 入户排查, 整改进展): each kept once by its
Idempotency-Key, with where and when it was made (the phone's position and clock) beside when the server got it."""
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import UTCDateTime, db

FIELD_REPORT_KINDS = ("facility_status", "problem", "visit", "progress")
CLOCK_SKEW_MARKED_S = 10 * 60  # a phone clock further off than this is marked on the report's page


class FieldReport(db.Model):
    """One form sent from the phone, as it reached the server (a replay of its key answers from here)."""

    __tablename__ = "field_reports"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key", name="uq_field_reports_user_key"),
        CheckConstraint(f"kind IN {FIELD_REPORT_KINDS}", name="kind_known"),
        CheckConstraint("lat IS NULL OR (lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180)", name="position_known"),
        CheckConstraint("accuracy_m IS NULL OR accuracy_m >= 0", name="accuracy_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    idempotency_key: Mapped[str] = mapped_column(String(100))
    # SHA-256 of the form that key sent: the same key with another form is refused, not answered as the first.
    request_digest: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    answer_url: Mapped[str] = mapped_column(String(200))  # the page the report led to
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), index=True)
    tapped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # on the server's clock
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    clock_offset_s: Mapped[int | None] = mapped_column(Integer)  # the phone's clock minus the server's, when sent
    sent_later: Mapped[bool] = mapped_column(Boolean, default=False)  # queued on the phone without signal
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    # How far the position was from what the report is about (its household, facility or village), when both are
    # known: past FIELD_REPORT_MAX_KM the report is marked for checking (a phone elsewhere, or a wrong fix).
    distance_km: Mapped[float | None] = mapped_column(Float)

    @property
    def clock_marked(self) -> bool:
        """Whether the phone's clock was off by more than CLOCK_SKEW_MARKED_S when it sent the report."""
        return self.clock_offset_s is not None and abs(self.clock_offset_s) > CLOCK_SKEW_MARKED_S
