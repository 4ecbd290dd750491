"""The server-rendered pages through the Flask test client: login, CSRF, lists, detail, the form."""
import re

from sqlalchemy import func, select

from models import Household, db
from service.clock import local_today

from .conftest import PASSWORD, household_payload, make_household, valid_id
from .helpers import csrf_token, login


def test_pages_need_a_login(client, world):
    r = client.get("/households")
    assert r.status_code == 302 and r.location.startswith("/login")


def test_login_wrong_password_and_csrf(client, world):
    token = csrf_token(client)
    r = client.post("/login", data={"username": "worker_a", "password": "wrong", "csrf_token": token})
    assert r.status_code == 401 and "用户名或密码错误" in r.get_data(as_text=True)
    r = client.post("/login", data={"username": "worker_a", "password": PASSWORD})
    assert r.status_code == 400
    r = login(client, "worker_a")
    assert r.status_code == 302 and r.location == "/todo"  # a township worker's day starts on 待办


def test_login_never_redirects_off_site(client, world):
    for target in ("//evil.example/x", "/\\evil.example/x", "https://evil.example/"):
        token = csrf_token(client)
        r = client.post("/login", query_string={"next": target},
                        data={"username": "worker_a", "password": PASSWORD, "csrf_token": token})
        assert r.location == "/todo", target
        client.post("/logout", data={"csrf_token": csrf_token(client, "/more")})


def test_household_list_filters_and_reasons(client, world):
    headers = world.headers(world.admin)
    client.post("/api/v1/households", json=household_payload(world, 1, head_name="远户", distance_m=1200), headers=headers)
    client.post("/api/v1/households", json=household_payload(world, 2, head_name="近户", distance_m=100), headers=headers)
    client.post("/api/v1/households", json=household_payload(world, 3, head_name="外镇户", village_id=world.v_b1.id),
                headers=headers)
    login(client, "worker_a")
    page = client.get("/households").get_data(as_text=True)
    assert "远户" in page and "近户" in page and "外镇户" not in page
    assert valid_id(1) not in page and "********" in page
    needing = client.get("/households?needs_delivery=1").get_data(as_text=True)
    assert "远户" in needing and "近户" not in needing and "距集中供水点超800米" in needing


def test_reason_labels_name_the_thresholds_in_force(client, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "NEEDS_DELIVERY_DISTANCE_M", 1000)
    client.post("/api/v1/households", json=household_payload(world, 1, head_name="远户", distance_m=1200),
                headers=world.headers(world.admin))
    login(client, "worker_a")
    needing = client.get("/households?needs_delivery=1").get_data(as_text=True)
    assert "距集中供水点超1000米" in needing and "800米" not in needing


def test_household_detail_is_scoped(client, world):
    other = client.post("/api/v1/households", json=household_payload(world, 3, village_id=world.v_b1.id),
                        headers=world.headers(world.admin)).json
    login(client, "worker_a")
    assert client.get(f"/households/{other['id']}").status_code == 404
    login(client, "worker_b")
    page = client.get(f"/households/{other['id']}").get_data(as_text=True)
    assert "王桂英" in page and other["id_number_masked"] in page


def test_household_form_shows_errors_next_to_fields_and_writes_nothing(client, world):
    login(client, "worker_a")
    token = csrf_token(client, "/households/new")
    form = {"csrf_token": token, "village_id": str(world.v_a1.id), "head_name": "新户", "id_number": "123",
            "phone": "12", "members": "两", "self_care": "1"}
    r = client.post("/households/new", data=form)
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    for field in ("id_number", "phone", "members"):
        assert f'data-field="{field}"' in page
    assert db.session.scalar(select(func.count()).select_from(Household)) == 0

    form.update(id_number=valid_id(5), phone="138 0013 8000", members="4", distance_m="900")
    r = client.post("/households/new", data=form)
    assert r.status_code == 302
    detail = client.get(r.location).get_data(as_text=True)
    assert "新户" in detail and "需送水" in detail and "已登记监测户：新户" in detail
    # Shown as people write it, dialled as stored.
    assert ">138 0013 8000</a>" in detail and 'href="tel:+8613800138000"' in detail
    edit = client.post(f"{r.location}/edit", data={**form, "members": "5"})
    assert edit.status_code == 302 and "已保存：新户" in client.get(edit.location).get_data(as_text=True)


def test_facilities_page(client, world):
    login(client, "worker_a")
    page = client.get("/facilities?kind=central_point").get_data(as_text=True)
    assert "张家村供水点" in page and "王庄村供水点" not in page


def test_logout_needs_csrf(client, world):
    login(client, "worker_a")
    assert client.post("/logout").status_code == 400
    token = csrf_token(client, "/households")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/households").status_code == 302


def test_page_filters_are_validated_like_the_api(client, world):
    login(client, "worker_a")
    for query in ("village_id=99999999999999999999", "village_id=abc", "head_name=%00", "page=0"):
        r = client.get(f"/households?{query}")
        assert r.status_code == 422, query
    assert client.get("/households?village_id=&needs_delivery=&head_name=").status_code == 200
    token = csrf_token(client, "/login")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/households")})
    r = client.post("/login", data={"username": "a\x00b", "password": "x", "csrf_token": token})
    assert r.status_code == 401  # a username with a NUL is refused as a wrong login, not an error


def test_editing_clears_blank_fields_and_keeps_a_computed_distance_computed(client, world):
    created = client.post("/api/v1/households", json=household_payload(world, 1, lat=36.005, lon=117.0),
                          headers=world.headers(world.admin)).json
    assert created["distance_computed"] is True
    login(client, "worker_a")
    page = client.get(f"/households/{created['id']}/edit").get_data(as_text=True)
    form = {name: value for name, value in re.findall(r'<input name="(\w+)" type="\w+" value="([^"]*)"', page)}
    assert form["distance_m"] == "" and form["id_number"] == ""
    form.update(csrf_token=csrf_token(client, f"/households/{created['id']}/edit"), village_id=str(world.v_a1.id),
                self_care="1", phone="")
    r = client.post(f"/households/{created['id']}/edit", data=form)
    assert r.status_code == 302, r.get_data(as_text=True)
    after = client.get(f"/api/v1/households/{created['id']}", headers=world.headers(world.admin)).json
    assert after["phone"] is None
    assert after["distance_computed"] is True and after["distance_m"] == created["distance_m"]


def _tabs(page: str) -> list[str]:
    bar = page[page.index('id="tabs"'):]
    return re.findall(r"<a [^>]*>([^<]+)</a>", bar[:bar.index("</nav>")])


def test_each_role_lands_where_its_day_starts_with_only_what_it_may_do(client, world):
    expected = {"cun_a1": ("/deliveries/today", ["今日送水", "监测户", "问题", "更多"], ["设施", "应急送水", "短信"]),
                "worker_a": ("/todo", ["待办", "今日送水", "监测户", "问题", "更多"],
                             ["清零", "协议", "设施", "应急送水", "城乡供水一体化", "单位", "短信", "导入"]),
                "lead_a": ("/todo", ["待办", "今日送水", "监测户", "问题", "更多"],
                           ["清零", "协议", "设施", "回头查", "明察暗访", "应急送水", "城乡供水一体化", "单位", "短信",
                            "导入"]),
                "admin": ("/dashboard", ["清零", "问题", "监测户", "协议", "更多"],
                          ["待办", "今日送水", "设施", "回头查", "明察暗访", "应急送水", "城乡供水一体化", "单位", "短信",
                           "导入", "账号"])}
    for username, (start, tabs, more) in expected.items():
        r = login(client, username)
        assert r.location == start, username
        assert _tabs(client.get(start).get_data(as_text=True)) == tabs, username
        page = client.get("/more").get_data(as_text=True)
        assert re.findall(r'class="card row-link" href="[^"]+">([^<]+)</a>', page) == more, username
        assert "退出登录" in page
        client.post("/logout", data={"csrf_token": csrf_token(client, "/more")})
    login(client, "cun_a1")
    household = client.get("/households").get_data(as_text=True)
    assert ">登记</a>" not in household


def test_the_township_to_do_list(client, world):
    from .conftest import make_agreement, make_household, missed_yesterday

    make_household(world, 1, distance_m=1500.0)  # a gap: needs delivery, no agreement
    _, yesterday = missed_yesterday(world, 2, days_planned=1)
    login(client, "worker_a")
    page = client.get("/todo").get_data(as_text=True)
    assert "未签协议" in page and "户主1" in page and "签订送水服务协议" in page
    assert "漏送待补登" in page and "户主2" in page and f"{yesterday} 漏送" in page
    assert "待销号" not in page  # nothing resolved yet
    # A gap whose agreement waits for a signature leads to that draft, not to a second agreement.
    gap = db.session.scalars(select(Household).where(Household.head_name == "户主1")).one()
    draft = make_agreement(world, gap, status="draft", signed_on=None)
    db.session.commit()
    page = client.get("/todo").get_data(as_text=True)
    assert f'href="/agreements/{draft.id}"' in page and "协议待签字" in page
    login(client, "worker_b")
    assert "今天没有待办事项" in client.get("/todo").get_data(as_text=True)


def test_report_a_broken_purifier_follow_its_case_and_the_facility_tells_the_truth(client, world):
    import io

    from models import Case, CaseEvidence, Facility

    from .helpers import PNG

    purifier = Facility(township_id=world.t_a.id, village_id=world.v_a1.id, kind="purifier", name="张家村净水机",
                        ownership="collective", status="working")
    db.session.add(purifier)
    db.session.commit()
    login(client, "cun_a1")  # village staff notice it first
    token = csrf_token(client, f"/facilities/{purifier.id}")
    r = client.post(f"/facilities/{purifier.id}/status", data={
        "csrf_token": token, "status": "broken", "note": "滤芯漏水，影响12户", "photo": (io.BytesIO(PNG), "p.png")},
        content_type="multipart/form-data")
    assert r.status_code == 302
    page = client.get(r.location).get_data(as_text=True)
    # Village staff may also say it works again (恢复正常); the township verifies the repair by its case's 销号.
    assert "张家村净水机：损坏" in page and "维修问题：待整改" in page and 'id="restore"' in page
    case = db.session.scalars(select(Case).where(Case.facility_id == purifier.id)).one()
    assert db.session.scalar(select(func.count()).select_from(CaseEvidence).where(CaseEvidence.case_id == case.id)) == 1
    assert "滤芯漏水，影响12户" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    # The worker fixes it and says so on the case; the lead verifies (销号): the facility is working again.
    for username, steps in (("worker_a", ("in_progress", "resolved")), ("lead_a", ("verified",))):
        client.post("/logout", data={"csrf_token": csrf_token(client, "/more")})
        login(client, username)
        token = csrf_token(client, f"/cases/{case.id}")
        for to in steps:
            assert client.post(f"/cases/{case.id}/transitions", data={"csrf_token": token, "to": to, "confirm": "1",
                                                                       "note": "换了滤芯",
                                                                       "standard": "净水机正常出水"}).status_code == 302
    page = client.get(f"/facilities/{purifier.id}").get_data(as_text=True)
    assert '<span class="badge " id="status">正常</span>' in page and "维修问题" not in page
    assert 'id="report"' in page  # it can be reported again


def test_a_broken_well_is_restored_from_its_page(client, world):
    from models import Case, Facility

    well = Facility(township_id=world.t_a.id, village_id=world.v_a1.id, kind="well", name="东井",
                    ownership="collective", status="working")
    db.session.add(well)
    db.session.commit()
    login(client, "worker_a")
    token = csrf_token(client, f"/facilities/{well.id}")
    client.post(f"/facilities/{well.id}/status", data={"csrf_token": token, "status": "low_yield"})
    assert 'id="restore"' in client.get(f"/facilities/{well.id}").get_data(as_text=True)
    r = client.post(f"/facilities/{well.id}/status", data={"csrf_token": token, "status": "working"})
    assert "东井：正常" in client.get(r.location).get_data(as_text=True)
    assert db.session.scalars(select(Case.status).where(Case.facility_id == well.id)).one() == "resolved"
    bad = client.post(f"/facilities/{well.id}/status", data={"csrf_token": token, "status": "retired"})
    assert bad.status_code == 422 and "请选择损坏、出水不足或恢复正常" in bad.get_data(as_text=True)


def test_report_a_problem_from_a_household_and_see_its_agreement(client, world):
    import io

    from models import Case, CaseEvidence

    from .conftest import make_agreement, make_household
    from .helpers import PNG

    household = make_household(world, 1, distance_m=1500.0)
    db.session.commit()
    login(client, "worker_a")
    page = client.get(f"/households/{household.id}").get_data(as_text=True)
    assert "新建送水服务协议" in page and 'id="agreement"' not in page
    make_agreement(world, household)
    db.session.commit()
    page = client.get(f"/households/{household.id}").get_data(as_text=True)
    assert "新建送水服务协议" not in page and "送水服务协议 · 有效" in page and "送水人 刘村干" in page
    assert "每7天，每次 100 升" in page and "下次送水" in page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/more")})
    login(client, "cun_a1")  # village staff may not sign agreements, but report problems
    token = csrf_token(client, f"/households/{household.id}")
    page = client.get(f"/households/{household.id}").get_data(as_text=True)
    assert "新建送水服务协议" not in page and 'id="report-problem"' in page
    empty = client.post(f"/households/{household.id}/problems", data={"csrf_token": token, "kind": "water_quality"})
    assert empty.status_code == 422 and "请说明是什么问题" in empty.get_data(as_text=True)
    r = client.post(f"/households/{household.id}/problems", data={
        "csrf_token": token, "kind": "water_quality", "note": "水发黄有异味", "photo": (io.BytesIO(PNG), "w.png")},
        content_type="multipart/form-data")
    assert r.status_code == 302
    case = db.session.scalars(select(Case).where(Case.household_id == household.id)).one()
    assert (case.kind, case.description, case.status) == ("water_quality", "水发黄有异味", "open")
    assert db.session.scalar(select(func.count()).select_from(CaseEvidence).where(CaseEvidence.case_id == case.id)) == 1
    assert "已报告问题，已立案" in client.get(r.location).get_data(as_text=True)


def test_search_households_by_name_phone_or_id_and_county_lists_name_the_township(client, world):
    from models import Village

    from .conftest import make_household

    other_zhangjia = Village(township_id=world.t_b.id, name="张家村", code="370102009")
    db.session.add(other_zhangjia)
    db.session.flush()
    make_household(world, 1, phone="+8613800000011")
    make_household(world, 2, phone="+8613900000022")
    make_household(world, 3, village=other_zhangjia)
    db.session.commit()
    login(client, "worker_a")

    def found(q: str) -> list[str]:
        page = client.get("/households", query_string={"q": q}).get_data(as_text=True)
        return re.findall(r"<strong>(户主\d)</strong>", page)

    assert found("户主2") == ["户主2"]
    assert found(valid_id(1)) == ["户主1"] and found(valid_id(1).lower()) == ["户主1"]
    assert found("138 0000 0011") == ["户主1"] and found("0022") == ["户主2"]
    assert found(valid_id(3)) == []  # another township's household is not found, not even by its ID
    api = client.get(f"/api/v1/households?q={valid_id(2)}", headers=world.headers(world.worker_a)).json
    assert [h["head_name"] for h in api["items"]] == ["户主2"]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/more")})
    login(client, "admin")
    page = client.get("/households").get_data(as_text=True)
    assert "城关镇 张家村" in page and "河口镇 张家村" in page


def test_static_files_are_versioned_and_kept_a_year_and_there_is_a_favicon(client, world):
    login(client, "worker_a")
    page = client.get("/households").get_data(as_text=True)
    css = re.search(r'href="(/static/app\.css\?v=[0-9a-f]{10})"', page).group(1)
    r = client.get(css)
    assert r.status_code == 200 and "max-age=31536000" in r.headers["Cache-Control"]
    assert "no-store" in client.get("/households").headers["Cache-Control"]
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/png" and icon.data.startswith(b"\x89PNG")


def test_village_staff_are_not_offered_the_township_archive(client, world):
    login(client, "cun_a1")
    assert "迎检档案" not in client.get("/dashboard").get_data(as_text=True)
    r = client.get(f"/reports/townships/{world.t_a.id}/inspection.zip", headers={"Accept": "text/html"})
    assert r.status_code == 403 and r.mimetype == "text/html" and "您的角色不能下载镇街的迎检档案" in r.get_data(as_text=True)
    staff = client.get(f"/reports/townships/{world.t_a.id}/inspection.zip", headers=world.headers(world.village_a1))
    assert staff.status_code == 403 and staff.is_json


def test_a_case_page_offers_only_the_moves_its_reader_may_make(client, world):
    import io

    from .helpers import PNG

    h = world.headers(world.worker_a)
    case = client.post("/api/v1/cases", json={"kind": "sanitation", "village_id": world.v_a1.id}, headers=h).json
    client.post(f"/api/v1/cases/{case['id']}/transitions", json={"to": "in_progress"}, headers=h)
    client.post(f"/api/v1/cases/{case['id']}/evidence", headers=h, content_type="multipart/form-data",
                data={"file": (io.BytesIO(PNG), "p.png")})
    client.post(f"/api/v1/cases/{case['id']}/transitions", json={"to": "resolved", "note": "已清理"}, headers=h)
    for username, offered in (("worker_a", False), ("cun_a1", False), ("lead_a", True)):
        login(client, username)
        page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
        assert ('value="verified"' in page) is offered, username
        client.post("/logout", data={"csrf_token": csrf_token(client, "/more")})


def test_village_staff_restore_their_own_villages_facility(client, world):
    """恢复正常 is theirs as 报修 is (the township verifies the repair by its case's 销号); another village's is not."""
    from models import Facility

    well = Facility(township_id=world.t_a.id, village_id=world.v_a1.id, kind="well", name="东井",
                    ownership="collective", status="low_yield")
    other = Facility(township_id=world.t_a.id, village_id=world.v_a2.id, kind="well", name="西井",
                     ownership="collective", status="low_yield")
    db.session.add_all([well, other])
    db.session.commit()
    login(client, "cun_a1")
    assert 'id="restore"' in client.get(f"/facilities/{well.id}").get_data(as_text=True)
    token = csrf_token(client, f"/facilities/{well.id}")
    r = client.post(f"/facilities/{well.id}/status", data={"csrf_token": token, "status": "working"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Facility, well.id).status == "working"
    # Not another village's.
    outside = client.post(f"/facilities/{other.id}/status", data={"csrf_token": token, "status": "working"})
    assert outside.status_code == 403
    assert db.session.get(Facility, other.id).status == "low_yield"


def test_the_archive_and_summary_are_asked_for_a_chosen_period(client, world):
    login(client, "lead_a")
    page = client.get("/dashboard").get_data(as_text=True)
    start = page.rindex("<form", 0, page.index('id="archive-period"'))
    form = page[start:page.index("</form>", start)]
    assert 'name="from"' in form and 'name="to"' in form and "下载迎检档案" in form and "打印汇总" in form
    assert f'action="/reports/townships/{world.t_a.id}/inspection.zip"' in form
    assert f'formaction="/reports/townships/{world.t_a.id}/summary.pdf"' in form
    summary = client.get(f"/reports/townships/{world.t_a.id}/summary.pdf?from=2026-01-01&to=2026-03-31")
    assert summary.status_code == 200 and summary.mimetype == "application/pdf"
    # The county sees each township's summary beside its archive.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/households")})
    login(client, "admin")
    county = client.get("/dashboard").get_data(as_text=True)
    assert f'href="/reports/townships/{world.t_b.id}/summary.pdf"' in county


def test_a_household_page_lists_its_cases_and_deliveries_newest_first_and_flags_its_source(client, world):
    from datetime import datetime, timedelta, timezone

    from models import Case, Delivery

    from .conftest import make_agreement

    household = make_household(world, 1, distance_m=1500.0, members=3, water_source="central_point",
                               water_source_id=world.point_a1.id)
    agreement = make_agreement(world, household)
    today, now = local_today(), datetime.now(timezone.utc)
    db.session.add_all([
        Delivery(agreement_id=agreement.id, household_id=household.id, scheduled_for=today - timedelta(days=9),
                 status="delivered", liters=105, delivered_at=now - timedelta(days=9), confirmation="confirmed"),
        Delivery(agreement_id=agreement.id, household_id=household.id, scheduled_for=today - timedelta(days=2),
                 status="missed"),
        Delivery(agreement_id=agreement.id, household_id=household.id, scheduled_for=today + timedelta(days=5),
                 status="planned"),  # ahead: not history
        Case(kind="other", township_id=world.t_a.id, village_id=world.v_a1.id, household_id=household.id,
             title="水桶破损", severity="low", lead_unit="城关镇", deadline=today, status="open",
             created_at=now - timedelta(days=5))])
    world.point_a1.quality_exceeded = True
    db.session.commit()
    login(client, "worker_a")
    page = client.get(f"/households/{household.id}").get_data(as_text=True)
    history = page.split('id="history"')[1].split("</ul>")[0]
    lines = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip() for item in history.split("<li>")[1:]]
    assert len(lines) == 3
    assert "送水 漏送" in lines[0] and "问题 水桶破损 · 待整改" in lines[1]
    assert "送水 已送 105 升" in lines[2] and "已确认" in lines[2]
    assert 'id="quality-alert"' in page and "水质超标：张家村供水点" in page and "暂停饮用" in page


def test_the_county_creates_an_account_on_its_page_and_the_person_logs_in(app, client, world):
    from models import User

    login(client, "admin")
    token = csrf_token(client, "/users")
    form = {"csrf_token": token, "username": "张 三", "role": "village_staff", "township": world.t_a.code,
            "village_id": "", "staff_id": str(world.staff_a.id), "password": "123456"}
    refused = client.post("/users", data=form)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="new-user" open' in page
    for field in ("username", "village_id", "password"):
        assert f'data-field="{field}"' in page, field
    assert 'value="张 三"' in page  # what was typed stays
    form.update(username="liu.cungan", village_id=str(world.v_a1.id), password="张家村-送水-2027")
    assert client.post("/users", data=form).status_code == 302
    listed = client.get("/users").get_data(as_text=True)
    assert "已新建账号 liu.cungan" in listed and "liu.cungan" in listed
    user = db.session.scalar(select(User).where(User.username == "liu.cungan"))
    assert (user.role, user.township_id, user.village_id, user.staff_id) == \
        ("village_staff", world.t_a.id, world.v_a1.id, world.staff_a.id)
    # The same person cannot have a second login; a township worker cannot create any.
    again = client.post("/users", data={**form, "username": "liu2", "csrf_token": csrf_token(client, "/users")})
    assert again.status_code == 422 and "此人已有账号" in again.get_data(as_text=True)
    person = app.test_client()
    login(person, "liu.cungan", "张家村-送水-2027")
    assert person.get("/deliveries/today").status_code == 200
    person.post("/logout", data={"csrf_token": csrf_token(person, "/more")})
    login(person, "worker_a")
    assert person.post("/users", data={**form, "username": "x123", "csrf_token": csrf_token(person, "/households")}
                       ).status_code == 403


def test_every_dashboard_tile_links_to_the_list_it_counts_and_that_list_totals_to_it(client, world):
    from datetime import datetime, time, timedelta, timezone

    from models import Case, Delivery

    from .conftest import make_agreement

    today = local_today()
    served = [make_household(world, n, distance_m=1500.0) for n in range(1, 4)]
    make_household(world, 4, distance_m=1500.0)  # a gap
    make_household(world, 5, self_care=False)  # another
    make_household(world, 6)  # needs nothing
    agreements = [make_agreement(world, h, start_on=today - timedelta(days=30), signed_on=today - timedelta(days=31),
                                 end_on=today + timedelta(days=10 + 40 * n)) for n, h in enumerate(served)]
    rows = [("planned", 0), ("planned", 0), ("delivered", 0), ("missed", 3), ("missed", 6), ("missed", 9),
            ("delivered", 2), ("cancelled", 1)]
    for n, (status, ago) in enumerate(rows):
        day = today - timedelta(days=ago)
        db.session.add(Delivery(agreement_id=agreements[n % 3].id, household_id=served[n % 3].id, status=status,
                                scheduled_for=day, liters=100, note="取消" if status == "cancelled" else None,
                                delivered_at=datetime.combine(day, time(9), timezone.utc) if status == "delivered" else None))
    common = {"township_id": world.t_a.id, "village_id": world.v_a1.id, "severity": "medium", "lead_unit": "城关镇",
              "kind": "other", "resolution_note": "好了"}
    db.session.add_all([
        Case(**common, status="open", deadline=today + timedelta(days=3)),
        Case(**common, status="in_progress", deadline=today - timedelta(days=2)),
        Case(**common, status="resolved", deadline=today),
        Case(**common, status="verified", deadline=today, recheck_due_on=today, relapse_count=1),
        Case(**common, status="closed", deadline=today, relapse_count=2),
        Case(**{**common, "township_id": world.t_b.id, "village_id": world.v_b1.id}, status="open", deadline=today),
        Case(**common, status="in_progress", category="ongoing", progress_due_on=today - timedelta(days=1)),
        Case(**common, status="open", category="ongoing", progress_due_on=today + timedelta(days=1))])
    db.session.commit()
    login(client, "worker_a")
    page = client.get("/dashboard").get_data(as_text=True)
    tiles = re.findall(r'<a class="tile[^"]*" id="tile-(\w+)" href="([^"]+)"><b>(\d+)</b>', page)
    assert {key for key, _, _ in tiles} == {"open_cases", "overdue_cases", "progress_overdue", "resolved_unverified", "rechecks_due",
                                            "relapses", "needs_delivery", "gaps", "active_agreements",
                                            "due_for_renewal", "planned_today", "logged_today", "missed_7d",
                                            "care_missing", "upkeep_overdue", "tests_overdue", "intensive_testing"}
    for key, href, figure in tiles:
        listed = client.get(href.replace("&amp;", "&")).get_data(as_text=True)
        total = re.search(r'<small class="muted">共 (\d+) ', listed)
        assert total and total.group(1) == figure, (key, href, figure, total and total.group(1))
    shown = {key: int(figure) for key, _, figure in tiles}
    assert (shown["open_cases"], shown["overdue_cases"], shown["relapses"], shown["gaps"]) == (4, 1, 2, 2)
    assert shown["progress_overdue"] == 1  # ongoing work is never overdue on time, only 进展逾期
    assert (shown["planned_today"], shown["logged_today"], shown["missed_7d"]) == (2, 1, 2)
