"""Every word a person reads on a page is Chinese: the pages' error paths, walked, show no English word."""
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
