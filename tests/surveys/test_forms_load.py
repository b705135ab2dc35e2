import io
import json

from django.core.management import call_command

from surveys.models import FormTemplate, FormVersion, Question
from surveys.services.forms import BUILT_IN_FORMS, forms_load
from surveys.services.responses import ballot_parse, response_submit


def test_the_four_built_in_forms_load_with_their_printed_codes(builtin_forms):
    codes = {
        code: list(t.current_version().questions.values_list("code", flat=True)) for code, t in builtin_forms.items()
    }
    assert codes["sipas-5"] == ["Thủ tục"] + [f"Câu {n}" for n in range(1, 9)]
    assert codes["binh-phuoc"] == ["1", "2"] + [f"3.{n}" for n in range(1, 11)] + ["4", "5"]
    assert codes["short-5"] == ["1", "2", "3", "4", "5"]
    assert len(codes["sipas-21"]) == 21 and codes["sipas-21"][0] == "I.1" and codes["sipas-21"][-1] == "V.4"


def test_the_wording_is_the_seeds_wording(builtin_forms):
    sipas5 = builtin_forms["sipas-5"].current_version()
    first = sipas5.questions.get(code="Câu 1")
    assert first.text == (
        "Cơ sở vật chất tại Bộ phận Một cửa có đáp ứng yêu cầu "
        "(nơi ngồi chờ, bàn viết, ghế, quạt mát, vệ sinh chung,…)?"
    )
    assert first.scored_options() == [
        (5, "Rất hài lòng"), (4, "Hài lòng"), (3, "Bình thường"), (2, "Không hài lòng"), (1, "Rất không hài lòng")
    ]  # fmt: skip
    assert sipas5.closing == "XIN TRÂN TRỌNG CẢM ƠN ÔNG/BÀ!"
    binh_phuoc = builtin_forms["binh-phuoc"].current_version()
    assert binh_phuoc.questions.get(code="3.4").options[-1] == "Rất Rườm rà"
    assert binh_phuoc.questions.get(code="3.1").options[0] == (
        "Qua phương tiện thông tin đại chúng (báo , đài, mạng điện tử...)"
    )
    assert set(binh_phuoc.questions.filter(flags_integrity=True).values_list("code", flat=True)) == {"3.7", "3.8"}
    criterion = builtin_forms["sipas-21"].current_version().questions.get(code="III.5")
    assert criterion.text == "Công chức hướng dẫn kê khai hồ sơ một lần là có thể hoàn thiện hồ sơ"
    assert criterion.factor == "officer"


def test_load_forms_is_idempotent(db):
    out = io.StringIO()
    call_command("load_forms", stdout=out)
    call_command("load_forms", stdout=out)
    assert out.getvalue().splitlines() == [
        "load_forms: 4 created, 0 updated, 0 unchanged",
        "load_forms: 0 created, 0 updated, 4 unchanged",
    ]
    assert FormVersion.objects.count() == 4


def test_a_changed_wording_makes_a_new_version_once_the_old_one_has_answers(builtin_forms, tmp_path, world):
    version = builtin_forms["sipas-5"].current_version()
    ballot = ballot_parse(version=version, raw={"Câu 2": 4})
    response, _ = response_submit(
        version=version, unit=world.commune_a, channel="paper", answered_on=version.created.date(), ballot=ballot
    )
    data = json.loads(BUILT_IN_FORMS.read_text(encoding="utf-8"))
    data["forms"][0]["questions"][2]["text"] = "Thủ tục hành chính có được niêm yết công khai, đầy đủ, dễ hiểu?"
    changed = tmp_path / "forms.json"
    changed.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    result = forms_load(path=changed)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 3)
    template = FormTemplate.objects.get(code="sipas-5")
    assert template.current_version().number == 2
    old = Question.objects.get(version=version, code="Câu 2")
    assert old.text == "Thủ tục hành chính có được niêm yết công khai, đầy đủ?"
    assert response.answers.get().question == old
