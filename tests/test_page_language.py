"""Every word a person reads on a page is Chinese: the pages' error paths, walked, show no English word; and with
PAGE_LOCALE=en, every page of every role shows no Chinese but the data."""
import functools
import io
import re
from datetime import date
from html.parser import HTMLParser

from models import db
from service.clock import local_today

from .conftest import household_payload, make_agreement, make_household
from .helpers import csrf_token, login

# Latin a page may show: file kinds, units, and the keywords a villager texts back.
ALLOWED = {"PDF", "JPEG", "JPG", "PNG", "CSV", "XLSX", "xlsx", "csv", "pdf", "jpg", "png", "MB", "KiB", "ID", "TD", "STOP", "START", "SMS",
           # a national standard's code and the units of its limits
           "GB", "NTU", "CFU", "MPN", "mL", "mg", "pH"}
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


class VisibleText(HTMLParser):
    """The text a person sees: not scripts, styles or attribute values."""

    def __init__(self):
        super().__init__()
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.hidden -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


# Login names are data, not words: the event history names who acted.
USERNAMES = re.compile(r"\b(?:admin|lead_a|worker_a|worker_b|cun_a1)\b")


def english_words(response) -> set[str]:
    parser = VisibleText()
    parser.feed(response.get_data(as_text=True))
    return set(LATIN_WORD.findall(USERNAMES.sub("", " ".join(parser.parts)))) - ALLOWED


def test_the_error_paths_of_the_pages_speak_chinese(client, world, app):
    h = world.headers(world.worker_a)
    household = client.post("/api/v1/households", json=household_payload(world, 1, distance_m=1500), headers=h).json
    near = make_household(world, 2)
    make_agreement(world, near, start_on=local_today(), signed_on=local_today())
    case = client.post("/api/v1/cases", json={"kind": "water_quality", "village_id": world.v_a1.id}, headers=h).json
    client.post(f"/api/v1/cases/{case['id']}/transitions", json={"to": "in_progress"}, headers=h)
    db.session.commit()
    login(client, "worker_a")
    token = csrf_token(client, "/households")
    visited = {
        "household form": client.post("/households/new", data={
            "csrf_token": token, "village_id": str(world.v_a1.id), "head_name": "", "id_number": "11010519491231002",
            "members": "0", "lat": "100", "phone": "12"}),
        "household edit": client.post(f"/households/{household['id']}/edit", data={
            "csrf_token": token, "members": "abc", "distance_m": "-5"}),
        "no such household": client.get("/households/999999"),
        "bad list filter": client.get("/households?per_page=1000&village_id=x"),
        "resolve without a note": client.post(f"/cases/{case['id']}/transitions", data={
            "csrf_token": token, "to": "resolved"}),
        "a move the lifecycle refuses": client.post(f"/cases/{case['id']}/transitions", data={
            "csrf_token": token, "to": "closed"}),
        "a second agreement": client.post(f"/agreements/new?household_id={near.id}", data={
            "csrf_token": token, "provider_id": str(world.staff_a.id), "reason": "other", "interval_days": "7",
            "liters_per_delivery": "100", "start_on": date.today().isoformat(), "signed_on": date.today().isoformat()}),
        "an agreement form with bad values": client.post(f"/agreements/new?household_id={household['id']}", data={
            "csrf_token": token, "provider_id": "999", "reason": "vertical", "interval_days": "0",
            "liters_per_delivery": "-1", "start_on": "明天"}),
        "the users page": client.get("/users"),
        "a page that does not exist": client.get("/no/such/page"),
    }
    client.post("/logout", data={"csrf_token": token})
    login(client, "cun_a1")
    token = csrf_token(client, "/deliveries/today")
    visited["an agreement as village staff"] = client.post(f"/agreements/new?household_id={household['id']}", data={
        "csrf_token": token, "provider_id": str(world.staff_a.id), "reason": "distance", "interval_days": "7",
        "liters_per_delivery": "100", "start_on": date.today().isoformat()})
    visited["import as village staff"] = client.post("/imports", data={
        "csrf_token": token, "kind": "households", "file": (io.BytesIO(b"x"), "x.csv")},
        content_type="multipart/form-data")
    for what, response in visited.items():
        assert response.status_code >= 400 or response.status_code == 200, what
        assert not english_words(response), (what, response.status_code, english_words(response))
    said = {what: response.get_data(as_text=True) for what, response in visited.items()}
    assert "应在 1 到 50 之间" in said["household form"] and "身份证号无效" in said["household form"]
    assert "请填写整改情况" in said["resolve without a note"]
    assert "问题不能从“整改中”变为“已复核”" in said["a move the lifecycle refuses"]
    assert "该户在这段时间已有送水服务协议" in said["a second agreement"]
    assert "只有县级管理员可以管理账号" in said["the users page"]
    assert "您的角色不能修改送水协议" in said["an agreement as village staff"]


# A page in another language: every word comes from the catalogue ---------------------------------------------

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


class ShownText(VisibleText):
    """The visible text, and the attributes a person reads (placeholder, title, alt, aria-label, a button's value)."""

    def handle_starttag(self, tag, attrs):
        super().handle_starttag(tag, attrs)
        for name, value in attrs:
            if value and (name in ("placeholder", "title", "alt", "aria-label")
                          or (name == "value" and dict(attrs).get("type") in ("submit", "button"))):
                self.parts.append(value)


def _standard_units() -> set[str]:
    """GB 5749-2022's own units, as the standard's data in the repository writes them (色度: 度)."""
    import json
    from pathlib import Path

    data = json.loads((Path(__file__).resolve().parents[1] / "service/data/gb5749-2022.json").read_text("utf-8"))
    return {p["unit"] for p in data["parameters"] if CJK.search(p.get("unit") or "")}


def chinese_shown(response) -> list[str]:
    parser = ShownText()
    parser.feed(response.get_data(as_text=True))
    units = _standard_units()
    return [part.strip() for part in parser.parts if CJK.search(functools.reduce(
        lambda text, unit: text.replace(f"({unit})", ""), units, part))]


def _latin_world(world):
    """The world's places and people named in pinyin: on an English page, whatever Chinese is left is the page's."""
    for record, name in ((world.t_a, "Chengguan"), (world.t_b, "Hekou"), (world.v_a1, "Zhangjia"),
                         (world.v_a2, "Lijia"), (world.v_b1, "Wangzhuang"), (world.staff_a, "Liu Cungan"),
                         (world.point_a1, "Zhangjia Point"), (world.point_b1, "Wangzhuang Point")):
        record.name = name
    db.session.commit()


def test_with_page_locale_en_every_page_of_every_role_shows_no_chinese_but_the_data(app, client, world, monkeypatch):
    from models import Case, Delivery

    monkeypatch.setitem(app.config, "PAGE_LOCALE", "en")
    _latin_world(world)
    h = world.headers(world.worker_a)
    household = client.post("/api/v1/households", json={**household_payload(world, 1, distance_m=1500),
                                                         "head_name": "Wang Guiying"}, headers=h).json
    near = make_household(world, 2)
    near.head_name = "Li Si"
    agreement = make_agreement(world, near, start_on=local_today(), signed_on=local_today())
    db.session.add(Delivery(agreement_id=agreement.id, household_id=near.id, scheduled_for=local_today(),
                            status="planned"))
    case = client.post("/api/v1/cases", json={"kind": "other", "village_id": world.v_a1.id, "title": "Leaking tank",
                                              "description": "Tank leaks"}, headers=h).json
    client.post(f"/api/v1/cases/{case['id']}/progress", json={"note": "Plumber called"}, headers=h)
    db.session.commit()
    pages = ["/", "/todo", "/more", "/dashboard", "/households", f"/households/{household['id']}",
             f"/households/{household['id']}/edit", "/households/new", f"/households/{household['id']}/visit",
             f"/households/{near.id}", "/deliveries/today", "/deliveries/week", "/deliveries", "/agreements",
             f"/agreements/{agreement.id}", f"/agreements/new?household_id={household['id']}", "/facilities",
             f"/facilities/{world.point_a1.id}", "/cases", f"/cases/{case['id']}", "/cases/new", "/cases/mine",
             f"/villages/{world.v_a1.id}", "/sms", "/imports", "/no/such/page"]
    shown = {}
    for username in ("admin", "lead_a", "worker_a", "cun_a1"):
        client.post("/logout", data={"csrf_token": csrf_token(client, "/login")})
        login(client, username)
        for path in pages + (["/users"] if username == "admin" else []):
            response = client.get(path)
            if chinese_shown(response):
                shown[(username, path)] = chinese_shown(response)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/login")})
    login_page = client.get("/login")
    if chinese_shown(login_page):
        shown[("nobody", "/login")] = chinese_shown(login_page)
    assert shown == {}
    assert db.session.get(Case, case["id"]) is not None
