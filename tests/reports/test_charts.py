import xml.etree.ElementTree as ET

from reports.charts import bar_chart, svg_to_png, trend_chart, xml_safe

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    return [element.text for element in ET.fromstring(svg).iter(f"{SVG}text")]


def test_a_bar_chart_escapes_its_labels_and_prints_values_with_a_decimal_comma():
    svg = bar_chart([("Tiếp cận <&> dịch vụ", 87.5), ("Công chức", 100)], title='Chỉ số "hài lòng" <b>')
    root = ET.fromstring(svg)
    assert root.get("aria-label") == 'Chỉ số "hài lòng" <b>'
    assert "Tiếp cận <&> dịch vụ" in texts(svg)
    assert "<&>" not in svg and "&lt;&amp;&gt;" in svg
    assert {"87,5%", "100,0%", 'Chỉ số "hài lòng" <b>'} <= set(texts(svg))
    assert len(root.findall(f"{SVG}rect")) == 2


def test_a_bar_without_value_says_no_ballot_answered_and_draws_nothing():
    svg = bar_chart([("Kết quả", None), ("Thời gian", 0.0)])
    assert "chưa có phiếu" in texts(svg)
    assert "0,0%" in texts(svg)
    assert len(ET.fromstring(svg).findall(f"{SVG}rect")) == 1


def test_a_long_label_wraps_onto_two_lines_at_most():
    label = "Thủ tục hành chính, thời gian giải quyết và phí, lệ phí phải nộp theo quy định của pháp luật hiện hành"
    lines = [text for text in texts(bar_chart([(label, 50)])) if text and text[0] in "Tgtp"]
    assert len(lines) == 2 and lines[0].startswith("Thủ tục") and lines[1].endswith("…")


def test_a_trend_leaves_gaps_where_a_month_has_no_value():
    svg = trend_chart([("10/2025", 80), ("11/2025", 82.5), ("12/2025", None), ("1/2026", 90), ("2/2026", 91)])
    root = ET.fromstring(svg)
    lines = root.findall(f"{SVG}polyline")
    assert len(lines) == 2 and all(len(line.get("points").split()) == 2 for line in lines)
    assert len(root.findall(f"{SVG}circle")) == 4
    assert {"0", "25", "50", "75", "100", "11/2025", "82,5%", "12/2025"} <= set(texts(svg))


def test_a_trend_of_only_empty_months_still_draws_its_axes():
    root = ET.fromstring(trend_chart([("1/2026", None)], title="Xu hướng"))
    assert not root.findall(f"{SVG}polyline") and not root.findall(f"{SVG}circle")


def test_control_characters_are_dropped_so_the_svg_still_parses():
    assert xml_safe("a\x00b\x0bc\td\n") == "abc\td\n"
    assert "Phường Hà Đông" in texts(bar_chart([("Phường \x01Hà Đông", 10)]))


def test_svg_to_png_returns_a_png_at_the_requested_scale():
    png = svg_to_png(bar_chart([("Tiếp cận", 87.5)], width_mm=160), scale=2)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(png[16:20], "big")
    # The SVG is 160 mm wide: at 96 pixels an inch and scale 2, about 1209 pixels, sharp enough to print.
    assert width == round(160 / 25.4 * 96 * 2)
