"""Printed records: what each verification code on paper stands for, so /verify/<code> can re-check it."""
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import UTCDateTime, db, utcnow


class ReportVerification(db.Model):
    __tablename__ = "report_verifications"
    counted = False  # no figure kept between requests reads its rows (models/revision.py)

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int] = mapped_column(Integer)
    params: Mapped[dict] = mapped_column(JSON)
    township_id: Mapped[int | None] = mapped_column(Integer, index=True)  # none for a region's (a bulletin)
    # For records with rows: a hash of all but the rows and totals, each row's hash and status, and the totals.
    printed: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReportPrinting(db.Model):
    """Each minute a code was printed in: a paper shows its own printing time (生成于), and its QR code names it, so
    that /verify shows the time the paper in hand shows, not the first printing's."""

    __tablename__ = "report_printings"
    counted = False  # no figure kept between requests reads its rows (models/revision.py)
    __table_args__ = (UniqueConstraint("code", "printed_at", name="uq_report_printings_code_printed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(ForeignKey("report_verifications.code"), index=True)
    printed_at: Mapped[datetime] = mapped_column(UTCDateTime())  # to the minute, as printed


class KeptBulletin(db.Model):
    """A region's monthly bulletin (一月一通报) as issued, on the 1st for the month before: printed again later, it
    says what it said then, whatever happened after the month."""

    __tablename__ = "kept_bulletins"
    counted = False  # no figure kept between requests reads its rows (models/revision.py)
    __table_args__ = (UniqueConstraint("region_id", "month", name="uq_kept_bulletins_region_id_month"),
)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    bulletin_no: Mapped[str] = mapped_column(String(60))  # 文号
    issued_on: Mapped[date] = mapped_column(Date)
    record: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SignedCopy(db.Model):
    """A printed record signed on paper and photographed or scanned back (签字件), attached to the printout its
    核验码 names; the archive carries it beside the printed one and /verify says it is on file. Never replaced: a
    second upload is a second copy."""

    __tablename__ = "signed_copies"
    counted = False  # no figure kept between requests reads its rows (models/revision.py)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(ForeignKey("report_verifications.code"), index=True)
    path: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(50))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
