"""The county's synonym table: added and deleted by the administrator, checked, logged, read by the import."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from shouwang.core.models import ChangeLog
from shouwang.supervision.takeover import layout, services
from shouwang.supervision.takeover.models import NationalSynonym

pytestmark = pytest.mark.django_db
LIST, ADD = reverse("supervision:takeover_synonyms"), reverse("supervision:takeover_synonym_add")


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict


def test_a_header_synonym_is_read_by_the_import(personas):
    synonym = services.add_synonym(personas["frank"], "header", "  农户 编码 ", "number")
    assert (synonym.table, synonym.text, synonym.value) == ("header", "农户 编码", "number")
    assert services.header_synonyms() == {"number": ("农户 编码",)}
    spec = layout.people_spec(services.header_synonyms())
    assert "农户编码" in spec.column("number").names()  # matched as the engine folds headers
    entry = ChangeLog.objects.get(object_type="supervision.nationalsynonym")
    assert entry.action == "create" and entry.user == personas["frank"]
    assert entry.after == {"table": "header", "text": "农户 编码", "value": "number"}


def test_a_label_synonym_means_the_tables_value(personas):
    services.add_synonym(personas["frank"], "risk", "因病致贫", "YB")
    services.add_synonym(personas["frank"], "dibao", "低保户", "True")
    synonyms = services.label_synonyms()
    assert synonyms["risk"] == {"因病致贫": "YB"}
    assert synonyms["dibao"] == {"低保户": True}
    assert layout.table_choices("risk", synonyms["risk"]).get("因病致贫") == "YB"


@pytest.mark.parametrize(("table", "text", "value", "field", "words"), [
    ("header", "户编码", "number", "text", "already known"),  # a built-in synonym of 户编号
    ("header", "ＩＤ号码", "no_such_column", "value", "Choose what the text means"),
    ("risk", "因 病", "YB", "text", "already known"),  # a built-in label, spaced
    ("risk", "因病致贫", "XX", "value", "Choose what the text means"),
    ("nothing", "x", "y", "table", "headers or one of the code tables"),
    ("header", "   ", "number", "text", "Type the text"),
])
def test_a_synonym_is_refused_with_a_clear_reason(personas, table, text, value, field, words):
    with pytest.raises(ValidationError) as caught:
        services.add_synonym(personas["frank"], table, text, value)
    assert words in " ".join(_errors(caught.value)[field])
    assert not NationalSynonym.objects.exists() and not ChangeLog.objects.exists()


def test_the_same_text_twice_is_refused_even_spelled_otherwise(personas):
    services.add_synonym(personas["frank"], "header", "农户编码", "number")
    with pytest.raises(ValidationError) as caught:
        services.add_synonym(personas["frank"], "header", "农户 编码", "id_number")
    assert "already in the synonym table" in _errors(caught.value)["text"][0]
    # The same text in another table is another synonym.
    services.add_synonym(personas["frank"], "category", "农户编码", "edge")
    assert NationalSynonym.objects.count() == 2


@pytest.mark.parametrize("name", ["erin", "carol", "alice", "grace"])
def test_only_the_county_administrator_changes_the_table(personas, name):
    with pytest.raises(PermissionDenied):
        services.add_synonym(personas[name], "header", "农户编码", "number")
    synonym = NationalSynonym.objects.create(table="header", text="农户编码", value="number")
    with pytest.raises(PermissionDenied):
        services.delete_synonym(personas[name], synonym)


def test_delete_is_logged_and_the_import_no_longer_reads_it(personas):
    synonym = services.add_synonym(personas["frank"], "header", "农户编码", "number")
    services.delete_synonym(personas["frank"], synonym)
    assert not NationalSynonym.objects.exists() and services.header_synonyms() == {}
    entry = ChangeLog.objects.get(object_type="supervision.nationalsynonym", action="delete")
    assert entry.before == {"table": "header", "text": "农户编码", "value": "number"} and entry.after is None


def test_the_values_offered_are_the_tables(personas):
    header = services.synonym_values("header")
    assert header["number"] == "户编号" and set(header) == set(layout.BY_KEY)
    assert services.synonym_values("dibao") == {"True": "农村低保 / 城市低保", "False": "未享受"}
    assert services.synonym_values("risk")["YB"] == "因病"


# --- the page --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "status"), [
    ("frank", 200), ("erin", 200), ("grace", 200), ("heidi", 200),
    ("carol", 403), ("alice", 403), ("ivan", 403),
])
def test_county_users_read_the_table(client, personas, name, status):
    NationalSynonym.objects.create(table="risk", text="因病致贫", value="YB")
    client.force_login(personas[name])
    response = client.get(LIST)
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert "因病致贫" in html
        assert ('action="' + ADD + '"' in html) == (name == "frank")  # only the administrator gets the form


def test_the_administrator_adds_and_deletes_on_the_page(client, personas):
    client.force_login(personas["frank"])
    page = client.get(LIST, {"table": "risk"}).content.decode()
    assert 'value="YB">因病<' in page  # the risk table's values in the select, by their labels
    response = client.post(ADD, {"table": "risk", "text": "因病致贫", "value": "YB"})
    assert response.status_code == 302 and response["Location"] == f"{LIST}?table=risk"
    synonym = NationalSynonym.objects.get()
    assert synonym.created_by == personas["frank"]
    response = client.post(ADD, {"table": "risk", "text": "因病致贫", "value": "YB"})
    assert response.status_code == 200 and "already in the synonym table" in response.content.decode()
    response = client.post(reverse("supervision:takeover_synonym_delete", args=[synonym.pk]))
    assert response.status_code == 302 and not NationalSynonym.objects.exists()


@pytest.mark.parametrize("name", ["erin", "grace", "carol"])
def test_others_may_not_add_or_delete(client, personas, name):
    synonym = NationalSynonym.objects.create(table="risk", text="因病致贫", value="YB")
    client.force_login(personas[name])
    assert client.post(ADD, {"table": "risk", "text": "因学致贫", "value": "YX"}).status_code == 403
    assert client.post(reverse("supervision:takeover_synonym_delete", args=[synonym.pk])).status_code == 403
    assert list(NationalSynonym.objects.values_list("text", flat=True)) == ["因病致贫"]


def test_an_unknown_header_link_prefills_the_form(client, personas):
    client.force_login(personas["frank"])
    html = client.get(LIST, {"table": "header", "text": "农户编码"}).content.decode()
    assert 'value="农户编码"' in html and 'value="number">户编号<' in html


def test_the_import_reads_a_header_once_it_is_a_synonym(personas):
    from shouwang.supervision.takeover.importer import import_national

    from .national_files import person, workbook

    rows = [{("农户户码" if k == "户编号" else k): v
             for k, v in person("433122102201000003", 1, township="达岚镇", village="六里村").items()}]
    content = workbook(rows)
    before = import_national([(content, "监测对象信息.xlsx")], year=2025)
    assert not before.ok and not before.committed  # 户编号 is required: the file cannot be read without it
    services.add_synonym(personas["frank"], "header", "农户户码", "number")
    after = import_national([(content, "监测对象信息.xlsx")], year=2025)
    assert after.ok, after.to_dict()["errors"]
    assert after.details["unknown_headers"] == [] and after.created == 1
