"""What a township's archive still lacks: every paper that should exist and does not, listed by the API, on a page
that links each to where it is added, counted on the township's page, and named in the archive's manifest."""
import csv
import io
import zipfile
from datetime import timedelta

from models import Agreement, Facility, db
from service.clock import local_today

from .conftest import make_agreement, make_household
from .helpers import PNG, login
from .test_cases import _case, _evidence, _move


def _verified(client, world, standard):
    cid = _case(client, world).json["id"]
    _move(client, world, cid, "in_progress", world.worker_a)
    _evidence(client, world, cid, world.worker_a)
    _move(client, world, cid, "resolved", world.worker_a, "已修好")
    _move(client, world, cid, "verified", world.lead_a, "现场查看", standard)
    return cid


def test_the_archive_s_gaps_are_listed_counted_and_named_missing_and_one_added_leaves_the_list(client, world):
    today = local_today()
    household = make_household(world, 1, distance_m=1500.0)
    agreement = make_agreement(world, household, start_on=today - timedelta(days=20),
                               signed_on=today - timedelta(days=21))
    db.session.execute(Facility.__table__.update().where(Facility.id.in_((world.point_a1.id, world.point_b1.id)))
                       .values(status="working"))
    db.session.commit()
    _verified(client, world, "恢复供水")
    h = world.headers(world.lead_a)
    gaps = client.get(f"/api/v1/townships/{world.t_a.id}/archive-gaps", headers=h)
    assert gaps.status_code == 200, gaps.json
    kinds = sorted(item["kind"] for item in gaps.json["items"])
    assert kinds == ["agreement_scan", "facility_care"] and gaps.json["total"] == 2
    scan = next(i for i in gaps.json["items"] if i["kind"] == "agreement_scan")
    assert scan["link"] == f"/agreements/{agreement.id}" and "户主1" in scan["subject"] and "签字" in scan["label"]
    assert client.get(f"/api/v1/townships/{world.t_a.id}/archive-gaps",
                      headers=world.headers(world.worker_b)).status_code == 404
    # The township's page counts them and links to their list, whose total is that count.
    login(client, "lead_a")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "档案还缺 2 份" in page and f'href="/townships/{world.t_a.id}/archive-gaps"' in page
    listed = client.get(f"/townships/{world.t_a.id}/archive-gaps").get_data(as_text=True)
    assert "共 2 份" in listed and f'href="/agreements/{agreement.id}"' in listed
    # The archive's manifest names each as missing, in Chinese.
    archive = client.get(f"/reports/townships/{world.t_a.id}/inspection.zip?from={(today - timedelta(days=30))}"
                         f"&to={today}", headers=h)
    manifest = list(csv.reader(io.StringIO(zipfile.ZipFile(io.BytesIO(archive.data)).read("manifest.csv")
                                           .decode("utf-8-sig"))))
    missing = [row for row in manifest if row[0].startswith("缺失/")]
    assert len(missing) == 2 and any("送水协议缺签字扫描件" in row[3] for row in missing)
    # A signed scan uploaded and a cleaning recorded: nothing is missing any more.
    assert client.post(f"/api/v1/agreements/{agreement.id}/scan", headers=h, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(PNG), "signed.png")}).status_code in (200, 201)
    assert client.post(f"/api/v1/facilities/{world.point_a1.id}/care", headers=h,
                       json={"kind": "cleaning", "done_on": today.isoformat(), "note": "清洗蓄水池"}).status_code == 201
    after = client.get(f"/api/v1/townships/{world.t_a.id}/archive-gaps", headers=h).json
    assert after["total"] == 0 and after["items"] == []
    assert db.session.get(Agreement, agreement.id).scan_path


def test_a_case_verified_without_its_standard_or_evidence_is_a_gap(client, world):
    from models import Case, CaseEvidence

    cid = _verified(client, world, "恢复供水")
    db.session.execute(Case.__table__.update().where(Case.id == cid).values(standard=None))
    db.session.execute(CaseEvidence.__table__.delete().where(CaseEvidence.case_id == cid))
    db.session.commit()
    gaps = client.get(f"/api/v1/townships/{world.t_a.id}/archive-gaps",
                      headers=world.headers(world.lead_a)).json
    cases = [i for i in gaps["items"] if i["link"] == f"/cases/{cid}"]
    assert sorted(i["kind"] for i in cases) == ["case_evidence", "case_standard"]
    assert gaps["by_kind"]["case_standard"] == 1


def test_a_signed_paper_photographed_back_joins_its_printout_and_leaves_the_gaps(client, world):
    """A household without a phone confirms its deliveries on paper: its month's record is a gap until the signed
    copy comes back through the code printed on it; then /verify says so and the archive carries it."""
    import re
    from datetime import datetime, time, timezone

    from models import Delivery, Household

    from .helpers import text_of

    today = local_today()
    household = make_household(world, 1, distance_m=1500.0)
    db.session.execute(Household.__table__.update().where(Household.id == household.id).values(phone=None))
    agreement = make_agreement(world, household, start_on=today - timedelta(days=20),
                               signed_on=today - timedelta(days=21))
    db.session.add(Delivery(agreement_id=agreement.id, household_id=household.id, status="delivered", liters=100,
                            scheduled_for=today, confirmation="no_phone",
                            delivered_at=datetime.combine(today, time(3), timezone.utc)))
    db.session.commit()
    h = world.headers(world.lead_a)
    first = today.replace(day=1)
    gaps = client.get(f"/api/v1/townships/{world.t_a.id}/archive-gaps?from={first}&to={today}", headers=h).json
    record = [i for i in gaps["items"] if i["kind"] == "signed_record"]
    assert len(record) == 1 and record[0]["link"] == f"/reports/households/{household.id}/deliveries.pdf" \
                                                     f"?from={first}&to={today}"
    pdf = client.get(record[0]["link"], headers=h)
    code = re.search(r"核验码\s*([0-9A-F]{16})", " ".join(text_of(pdf.data)[0].split())).group(1)
    assert client.post(f"/api/v1/printouts/{code}/signed", headers=world.headers(world.worker_b),
                       content_type="multipart/form-data",
                       data={"file": (io.BytesIO(PNG), "s.png")}).status_code == 403  # not its township
    assert client.post("/api/v1/printouts/0000000000000000/signed", headers=h, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(PNG), "s.png")}).status_code == 404
    attached = client.post(f"/api/v1/printouts/{code}/signed", headers=h, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(PNG), "signed.png")})
    assert attached.status_code == 201 and attached.json["code"] == code
    after = client.get(f"/api/v1/townships/{world.t_a.id}/archive-gaps?from={first}&to={today}", headers=h).json
    assert [i for i in after["items"] if i["kind"] == "signed_record"] == []
    assert client.get(f"/verify/{code}", headers=h).json["signed_copies"] == 1
    assert "已存 1 份" in client.get(f"/verify/{code}").get_data(as_text=True)  # the public page says so
    archive = zipfile.ZipFile(io.BytesIO(client.get(
        f"/reports/townships/{world.t_a.id}/inspection.zip?from={first}&to={today}", headers=h).data))
    assert any(name.startswith("签字件/") for name in archive.namelist())
    # From the phone: the page its QR code opens takes the photo.
    login(client, "lead_a")
    from .helpers import csrf_token

    token = csrf_token(client, f"/verify/{code}")
    sent = client.post(f"/verify/{code}/signed", data={"csrf_token": token, "file": (io.BytesIO(PNG), "p.png")},
                       content_type="multipart/form-data")
    assert sent.status_code == 302 and "已存 2 份" in client.get(f"/verify/{code}").get_data(as_text=True)
