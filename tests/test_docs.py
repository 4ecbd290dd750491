"""The docs say what the code does: every setting the code reads is documented once, and the SMS words the docs
list are the ones the service reads, and the exchange reference names every column the export writes."""
import re
from pathlib import Path

import pytest

from service.domain.sms import CONFIRM_WORDS, DISPUTE_WORDS, STOP_WORDS

ROOT = Path(__file__).resolve().parents[1]
READ = re.compile(r'(?:os\.environ\.get|env\.(?:str|int|float|bool|list)|Env\(\)\.(?:int|list))\("([A-Z][A-Z0-9_]+)"')


def _settings_read() -> set[str]:
    return {name for folder in ("service", "demo") for path in (ROOT / folder).rglob("*.py")
            for name in READ.findall(path.read_text())}


def _settings_documented() -> dict[str, int]:
    doc = (ROOT / "docs" / "operations.md").read_text()
    table = doc[doc.index("## Configuration"):doc.index("## Command line")]
    counts: dict[str, int] = {}
    for line in table.splitlines():
        if line.startswith("| `"):
            for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1]):
                counts[name] = counts.get(name, 0) + 1
    return counts


def test_every_setting_the_code_reads_is_documented_once():
    read, documented = _settings_read(), _settings_documented()
    assert len(read) > 60
    assert sorted(read - documented.keys()) == []
    assert sorted(name for name, count in documented.items() if count > 1) == []
    assert sorted(documented.keys() - read) == []


def test_the_sms_words_in_the_docs_are_the_ones_the_service_reads():
    for doc in ("docs/domain.md", "docs/api.md", "README.md"):
        quoted = [set(words.split()) for words in re.findall(r"`([^`]+)`", (ROOT / doc).read_text())]
        for words in (CONFIRM_WORDS, DISPUTE_WORDS, STOP_WORDS):
            # Wherever a doc lists a kind of reply, it lists all of its words.
            partial = [listed for listed in quoted if len(listed & words) >= 2]
            assert all(listed == words for listed in partial), (doc, partial)


def test_the_exchange_reference_names_every_column_of_every_table():
    from service.domain.exchange import FORMAT_VERSION, TABLES

    text = (ROOT / "docs" / "exchange.md").read_text()
    assert f"This is {FORMAT_VERSION}." in text
    for table, columns in TABLES.items():
        section = text.split(f"### `{table}.csv`")[1].split("###")[0]
        assert [line.split("`")[1] for line in section.splitlines() if line.startswith("| `")] == \
            [column.name for column in columns], table


def test_settings_are_parsed_and_every_bad_one_named(monkeypatch):
    from service.config import SettingsError, load_config

    monkeypatch.setenv("PROXY_COUNT", "one")
    monkeypatch.setenv("QUIET_HOURS_START", "9pm")
    monkeypatch.setenv("APP_TIMEZONE", "Mars/Olympus")
    monkeypatch.setenv("DEPLOYMENT", "prod")
    with pytest.raises(SettingsError) as refused:
        load_config()
    for name in ("PROXY_COUNT", "QUIET_HOURS_START", "APP_TIMEZONE", "DEPLOYMENT"):
        assert name in str(refused.value)
    for name in ("PROXY_COUNT", "QUIET_HOURS_START", "APP_TIMEZONE", "DEPLOYMENT"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    monkeypatch.setenv("SMS_RATE_PER_SECOND", "2.5")
    config = load_config()
    assert config["SESSION_COOKIE_SECURE"] is True and config["SMS_RATE_PER_SECOND"] == 2.5
