"""Uploads: a photo's pixels are bounded as well as its bytes, read from its header (nothing decoded), and a file
stored before the bound never makes a page fail or the web worker decode it."""
import io
import struct
import zlib
from datetime import timedelta

import pytest
from PIL import Image

from models import Case, CaseEvidence, Delivery, db, utcnow
from service.clock import local_today

from .conftest import make_agreement, make_household
from .helpers import login


def tall_png(width: int, height: int) -> bytes:
    """A PNG whose header says width × height, a few hundred bytes long: what a decompression bomb looks like."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = zlib.compress(b"\0" * 4096, 9)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", rows) + chunk(b"IEND", b""))


def real_png(width=1200, height=900) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def targets(world):
    household = make_household(world, 1, distance_m=1500.0)
    agreement = make_agreement(world, household)
    delivery = Delivery(agreement_id=agreement.id, household_id=household.id, status="delivered",
                        scheduled_for=local_today(), delivered_at=utcnow(), liters=100, confirmation="no_phone")
    case = Case(kind="other", township_id=world.t_a.id, village_id=world.v_a1.id, household_id=household.id,
                title="照片", severity="low", lead_unit="城关镇", deadline=local_today() + timedelta(days=7),
                status="open", source="self_check", category="deadline")
    db.session.add_all([delivery, case])
    db.session.commit()
    return {"case": f"/api/v1/cases/{case.id}/evidence", "delivery": f"/api/v1/deliveries/{delivery.id}/photo",
            "scan": f"/api/v1/agreements/{agreement.id}/scan", "case_id": case.id}


@pytest.mark.parametrize("where", ["case", "delivery", "scan"])
def test_a_small_file_of_too_many_pixels_is_refused_in_chinese_before_it_is_decoded(client, world, targets, where):
    bomb = tall_png(13_000, 13_000)
    assert len(bomb) < 1_000
    answer = client.post(targets[where], headers={**world.headers(world.lead_a), "Accept-Language": "zh-CN"},
                         data={"file": (io.BytesIO(bomb), "photo.png")}, content_type="multipart/form-data")
    assert answer.status_code == 422
    assert "13000 × 13000 像素" in answer.json["errors"]["json"]["file"][0]
    assert db.session.query(CaseEvidence).count() == 0
    good = client.post(targets[where], headers=world.headers(world.lead_a),
                       data={"file": (io.BytesIO(real_png()), "photo.png")}, content_type="multipart/form-data")
    assert good.status_code in (200, 201), good.get_data(as_text=True)


def test_a_file_that_says_png_but_is_not_one_is_refused(client, world, targets):
    answer = client.post(targets["case"], headers=world.headers(world.lead_a), content_type="multipart/form-data",
                         data={"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * 64), "photo.png")})
    assert answer.status_code == 422 and "file" in answer.json["errors"]["json"]


def test_a_bomb_stored_before_the_bound_gets_a_grey_thumbnail_not_a_500(app, client, world, targets):
    from pathlib import Path

    stored = Path(app.config["UPLOAD_DIR"]) / "evidence" / "old-bomb.png"
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(tall_png(60_000, 60_000))
    evidence = CaseEvidence(case_id=targets["case_id"], path="evidence/old-bomb.png", content_type="image/png",
                            filename="old.png", uploaded_at=utcnow())
    db.session.add(evidence)
    db.session.commit()
    login(client, "lead_a")
    for _ in range(2):  # made once, then served as kept
        answer = client.get(f"/cases/{targets['case_id']}/evidence/{evidence.id}/thumbnail")
        assert answer.status_code == 200 and answer.mimetype == "image/jpeg"
        with Image.open(io.BytesIO(answer.data)) as thumb:
            assert thumb.size == (240, 240) and thumb.getpixel((10, 10))[0] > 200  # the grey placeholder
    assert client.get(f"/cases/{targets['case_id']}").status_code == 200


def test_a_real_photo_still_gets_its_thumbnail(app, client, world, targets):
    client.post(targets["case"], headers=world.headers(world.lead_a),
                data={"file": (io.BytesIO(real_png(2000, 1000)), "photo.png")}, content_type="multipart/form-data")
    evidence = db.session.query(CaseEvidence).one()
    login(client, "lead_a")
    answer = client.get(f"/cases/{targets['case_id']}/evidence/{evidence.id}/thumbnail")
    with Image.open(io.BytesIO(answer.data)) as thumb:
        assert thumb.size == (240, 120) and thumb.getpixel((10, 10))[2] > 150  # blue, not the placeholder
