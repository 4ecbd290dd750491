"""One catalogue of messages, by key, in Chinese and English: every key the code names has both texts, every
text's placeholders are the same in both, nothing in the catalogues is unused, and each reader gets its language."""
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

import models
from service.api_common import FIELD_ERRORS, INVALID_BY_CLASS, VALIDATOR_DEFAULTS, VALIDATOR_MESSAGES
from service.domain import catalogue
from service.domain.exchange import TABLES
from service.domain.permissions import CAPABILITIES
from service import navigation
from service.reports.builds import FAILURE_REASONS
from service.webapp.pages import PHONE_TEXTS, phone_texts

from .conftest import household_payload
from .helpers import csrf_token, login

SERVICE = Path(__file__).resolve().parents[1] / "service"
# The calls whose string argument is a catalogue key (Babel's extraction, as `pybabel extract -k` would run it).
KEYWORDS = {"Message": (1,), "Template": (1,), "say": (1,), "one": (2,), "label_of": None, "Forbidden": (1,),
            "NotFound": (1,), "Conflict": (1,), "Unauthorized": (1,), "PayloadTooLarge": (1,),
            "TooManyRequests": (1,), "_refuse_if_referenced": (2,), "_list_message": (3,), "look_up": (4,)}
# Codes labelled through `label.<group>.<code>`, by the model's list of them.
LABELLED = {"kind": models.FACILITY_KINDS, "facility_status": models.FACILITY_STATUSES,
            "ownership": models.OWNERSHIPS, "monitoring_type": models.MONITORING_TYPES,
            "water_source": models.WATER_SOURCES, "delivery_status": models.DELIVERY_STATUSES,
            "confirmation": models.CONFIRMATIONS, "agreement_status": models.AGREEMENT_STATUSES,
            "reason": models.AGREEMENT_REASONS, "case_status": models.CASE_STATUSES, "case_kind": models.CASE_KINDS,
            "severity": models.SEVERITIES, "sample_point": models.SAMPLE_POINTS,
            "supply_class": models.SUPPLY_CLASSES, "role": models.USER_ROLES, "sms_status": models.SMS_STATUSES}

# Values the English names and the Chinese says in its own words: the fields of a correction, and the kind of
# record (an English class name) that was not found.
CHINESE_LEAVES_OUT = {"delivery.correction_empty": {"fields"}, "record.not_found": {"kind", "id"}}


def named_in_code() -> set[str]:
    """The keys the code names: in Python, and in the templates (Jinja's `_()`, as `pybabel extract` reads them)."""
    keywords = {name: spec for name, spec in KEYWORDS.items() if spec}
    found = extract_from_dir(str(SERVICE), [("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")],
                             keywords={**keywords, "_": None})
    return {message for _, _, message, _, _ in found
            if isinstance(message, str) and re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*", message)}


def test_no_template_or_page_script_holds_a_word_outside_the_catalogue():
    """Every word of a page or a printout is a catalogue key: a second page language is a new catalogue, nothing
    else (comments aside)."""
    cjk = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
    left = {}
    for path in sorted((SERVICE / "templates").rglob("*.html")):
        text = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)
        if lines := [line.strip()[:60] for line in text.splitlines() if cjk.search(line)]:
            left[str(path.relative_to(SERVICE))] = lines[:3]
    for path in sorted((SERVICE / "static").glob("*.js")):
        code = re.sub(r"/\*.*?\*/|//[^\n]*", "", path.read_text(encoding="utf-8"), flags=re.S)
        if lines := [line.strip()[:60] for line in code.splitlines() if cjk.search(line)]:
            left[str(path.relative_to(SERVICE))] = lines[:3]
    assert left == {}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_has_a_chinese_and_an_english_text_with_the_same_placeholders():
    chinese, english = catalogue.texts("zh_CN"), catalogue.texts("en")
    assert set(chinese) == set(english), set(chinese) ^ set(english)
    for key in chinese:
        assert chinese[key].strip() and english[key].strip(), key
        if key in CHINESE_LEAVES_OUT:
            assert placeholders(chinese[key]) == placeholders(english[key]) - CHINESE_LEAVES_OUT[key], key
        else:
            assert placeholders(chinese[key]) == placeholders(english[key]), key
        assert not re.search(r"[\u4e00-\u9fff]", key), key
    # The Chinese is Chinese: a text with no Chinese character is a forgotten translation (units and codes aside).
    latin_only = [key for key, text in chinese.items() if not re.search(r"[\u4e00-\u9fff]", text)
                  and re.sub(r"\{[^}]*\}|[\W\d_]|NTU|KiB|MB|pH", "", text)]
    assert latin_only == []


def test_every_key_the_code_names_is_in_the_catalogue_and_every_entry_is_used():
    known = set(catalogue.texts("zh_CN"))
    named = named_in_code()
    assert named - known == set(), "keys without texts"
    # Keys built from codes: labels, SMS replies and kinds, the phone's texts, error headings, field names.
    dynamic = {f"label.{group}.{code}" for group, codes in LABELLED.items() for code in codes}
    dynamic |= {f"sms.reply.{kind}" for kind in ("confirmed", "disputed", "no_pending", "opt_out", "opt_in", "unknown",
                                                 "complaint", "callback_satisfied", "callback_unsatisfied")}
    dynamic |= {f"sms.kind.{kind}" for kind in models.CASE_KINDS} | {"sms.remind_evening", "sms.remind_morning"}
    dynamic |= {f"offline.{key}" for key in PHONE_TEXTS}
    dynamic |= {key for key in known if key.startswith(("error.", "field.", "label."))}
    dynamic |= {refusal for _, refusal in CAPABILITIES.values()} | set(FAILURE_REASONS.values()) | {"archive.failed"}
    dynamic |= {key for _, key, _ in navigation.EVERYTHING + (navigation.MORE,)}  # the tabs' names
    dynamic |= {f"picture.group.{group}" for group in ("gap", "served", "fine")}  # the distance map's legend
    dynamic |= {"care.care_missing", "care.cleaning_due", "care.source_check_due", "care.filter_change_due",
                "care.test_due"}  # a facility care case's title, by its reason
    dynamic |= {f"exchange.table.{table}" for table in TABLES}  # the exchange ZIP's schemas' titles
    dynamic |= {f"exchange.{table}.{column.name}" for table, columns in TABLES.items() for column in columns}
    # marshmallow's messages, by the tables of the schemas' base.
    dynamic |= {key for _, key in INVALID_BY_CLASS} | set(FIELD_ERRORS.values()) | set(VALIDATOR_DEFAULTS.values())
    dynamic |= {key for keys in VALIDATOR_MESSAGES.values() for key in keys.values()} | {"value.invalid"}
    assert dynamic - known == set(), "codes without labels"
    assert known - named - dynamic == set(), "catalogue entries nothing names"


def test_the_phone_script_gets_every_text_it_fills_in(app, world):
    with app.test_request_context("/deliveries/today"):
        texts = phone_texts(world.worker_a)
    assert all(texts.values()) and texts["pending_count"] == "待上传 {count}"


def test_the_api_answers_in_the_language_it_asks_for_and_english_by_default(client, world):
    bad = {**household_payload(world, 1), "members": -1, "phone": "12"}
    english = client.post("/api/v1/households", json=bad, headers=world.headers(world.worker_a))
    chinese = client.post("/api/v1/households", json=bad,
                          headers=world.headers(world.worker_a) | {"Accept-Language": "zh-CN,zh;q=0.9"})
    assert english.status_code == chinese.status_code == 422
    assert english.json["errors"]["json"]["phone"] == ["Not a valid phone number."]
    assert english.json["errors"]["json"]["members"] == ["Must be greater than or equal to 1 and less than or "
                                                          "equal to 50."]
    assert chinese.json["errors"]["json"] == {"phone": ["电话号码无效"], "members": ["应在 1 到 50 之间"]}
    assert chinese.json["message"] == "输入有误：members, phone"
    unknown = client.get("/api/v1/households/999999", headers=world.headers(world.worker_a) | {"Accept-Language": "zh"})
    assert unknown.status_code == 404 and unknown.json["message"] == "找不到该记录"
    assert client.get("/api/v1/households/999999", headers=world.headers(world.worker_a)).json["message"] == \
        "household 999999 not found"


def test_a_page_shows_marshmallow_and_domain_messages_in_chinese_beside_their_fields(client, world):
    login(client, "worker_a")
    form = {"csrf_token": csrf_token(client, "/households/new"), "village_id": str(world.v_a1.id),
            "head_name": "测试", "members": "0", "phone": "12", "self_care": "1"}
    page = client.post("/households/new", data=form)
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'data-field="members">应在 1 到 50 之间<' in text and 'data-field="phone">电话号码无效<' in text


@pytest.mark.parametrize("locale", catalogue.LOCALES)
def test_labels_keep_the_order_of_the_models_codes(locale):
    for group, codes in LABELLED.items():
        assert tuple(catalogue.labels(group, locale)) == tuple(codes), group
