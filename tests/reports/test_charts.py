import io
import itertools
import xml.etree.ElementTree as ET

from PIL import Image, ImageStat

from reports.charts import (
    ACCENT,
    ANSWER_FILLS,
    BAND,
    GREY,
    HEAT_HIGH,
    HEAT_LOW,
    HEAT_STOPS,
    RankedItem,
    bar_chart,
    distribution_chart,
    heat_colour,
    heatmap,
    ink_on,
    ranking_chart,
    svg_to_png,
    trend_chart,
    vn_decimal,
    xml_safe,
)

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


# The new charts: every one must survive a hostile name, print with decimal commas and read in greyscale.

HOSTILE = "Xã <script> & Hà"
FACTORS = [
    "Tiếp cận dịch vụ",
    "Thủ tục hành chính",
    "Công chức",
    "Kết quả",
    "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
]
ANSWERS = ["Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng", "Rất không hài lòng"]


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance, written out here so the test does not trust the code it checks."""
    channels = [int(colour[index : index + 2], 16) / 255 for index in (1, 3, 5)]
    red, green, blue = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted([luminance(first), luminance(second)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def greyscale(svg: str) -> Image.Image:
    """The chart as a black-and-white printer sees it: white paper under it, then one lightness channel."""
    image = Image.open(io.BytesIO(svg_to_png(svg, scale=1))).convert("RGBA")
    return Image.alpha_composite(Image.new("RGBA", image.size, "white"), image).convert("L")


def mean_grey(image: Image.Image, svg: str, left: float, top: float, right: float, bottom: float) -> float:
    """The average grey over a box in drawing units, as an eye blends a hatched area."""
    scale = image.width / float(ET.fromstring(svg).get("viewBox").split()[2])
    box = image.crop(tuple(round(edge * scale) for edge in (left, top, right, bottom)))
    return ImageStat.Stat(box).mean[0]


def cells(svg: str, count: int) -> list[ET.Element]:
    """The heatmap's first `count` coloured rectangles: its cells, which come before the legend's scale."""
    root = ET.fromstring(svg)
    return [element for element in root if element.tag == f"{SVG}rect" and element.get("fill", "").startswith("#")][
        :count
    ]


def test_a_heatmap_escapes_names_writes_decimal_commas_and_marks_empty_cells():
    svg = heatmap(
        [(HOSTILE, [87.5, None, 100, 62.25, 50]), ("Sở Công Thương tỉnh Đồng Nai", [70])],
        FACTORS,
        title="Chỉ số <b>&</b>",
        note="Ô gạch chéo: chưa có phiếu & <i>",
    )
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-label") == "Chỉ số <b>&</b>"
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    words = texts(svg)
    assert {HOSTILE, "87,5", "100,0", "62,2", "50,0", "70,0", "—", "≤ 50", "%", "chưa có phiếu"} <= set(words)
    assert "Ô gạch chéo: chưa có phiếu & <i>" in words
    # One dash for the first row's empty cell, four for the row that stops after one value, one in the key.
    assert words.count("—") == 1 + 4 + 1
    assert root.get("width") == "160mm"


def test_a_heatmap_wraps_long_headers_onto_three_lines_and_long_names_onto_two():
    svg = heatmap([("Trung tâm Phục vụ hành chính công tỉnh Hà Tĩnh và các đơn vị trực thuộc", [90])], FACTORS)
    header = [word for word in texts(svg) if word in {"Tiếp nhận, xử", "lý góp ý, phản", "ánh, kiến nghị"}]
    assert len(header) == 3
    # Row names stand right-aligned against the grid.
    name = [text.text for text in ET.fromstring(svg).iter(f"{SVG}text") if text.get("text-anchor") == "end"]
    assert len(name) == 2 and name[0].startswith("Trung tâm") and name[1].endswith("…")


def test_a_heatmap_grows_about_eight_millimetres_a_row_and_survives_no_rows():
    def height(count: int, width_mm: float) -> float:
        svg = heatmap([(f"Xã {index}", [80.0] * 5) for index in range(count)], FACTORS, width_mm=width_mm)
        return float(ET.fromstring(svg).get("height").removesuffix("mm"))

    for width_mm in (160, 250):
        per_row = (height(120, width_mm) - height(20, width_mm)) / 100
        assert 7 <= per_row <= 8
    root = ET.fromstring(heatmap([], FACTORS))
    assert root.findall(f"{SVG}text")


def test_every_heatmap_shade_gets_ink_of_at_least_four_and_a_half_to_one():
    values = [value / 2 for value in range(0, 201)]
    svg = heatmap([("Xã", values)], [str(value) for value in values], width_mm=2000)
    fills = [rect.get("fill") for rect in cells(svg, len(values))]
    inks = [
        text.get("fill")
        for text in ET.fromstring(svg).iter(f"{SVG}text")
        if text.text in {vn_decimal(v) for v in values}
    ]
    assert len(fills) == len(inks) == len(values)
    for fill, ink in zip(fills, inks, strict=True):
        assert contrast(fill, ink) >= 4.5, (fill, ink)
    assert len({ink_on(heat_colour(value)) for value in values}) == 2


def test_the_heatmap_scale_darkens_steadily_so_greyscale_keeps_the_order():
    stops = [luminance(stop) for stop in HEAT_STOPS]
    assert stops == sorted(stops, reverse=True) and len(set(stops)) == len(stops)
    shades = [luminance(heat_colour(value)) for value in range(HEAT_LOW, HEAT_HIGH + 1)]
    assert all(darker < lighter for lighter, darker in zip(shades, shades[1:], strict=False))
    assert heat_colour(12) == heat_colour(HEAT_LOW) and heat_colour(120) == heat_colour(HEAT_HIGH)
    # And on paper: cells from 50 to 100 in steps of 5, printed grey, get darker from left to right.
    values = list(range(50, 101, 5))
    svg = heatmap([("Xã", values)], [str(value) for value in values], width_mm=250)
    image = greyscale(svg)
    corners = [(float(rect.get("x")), float(rect.get("y"))) for rect in cells(svg, len(values))]
    # The cell's top-left corner, clear of the number in its middle.
    greys = [mean_grey(image, svg, x + 2, y + 2, x + 8, y + 6) for x, y in corners]
    assert all(darker < lighter for lighter, darker in zip(greys, greys[1:], strict=False)), greys


def test_a_ranking_draws_intervals_groups_by_shape_and_zooms_its_axis():
    items = [
        RankedItem(HOSTILE, 95.25, 92.5, 98, rank="1 (1–2)", group=1),
        RankedItem("Phường Nam Hồng Lĩnh", 93.0, 90, 96, rank="2 (1–3)", group=1),
        RankedItem("Sở Công Thương tỉnh Đồng Nai", 81.0, 77, 85, rank="3 (3–4)", group=2),
        RankedItem("Xã Kỳ Anh", 70.0, 63.5, 76, rank="4 (3–4)", group=3),
        RankedItem("Xã chưa xếp", 66.0, 61, 71, rank="5"),
    ]
    svg = ranking_chart(items, title="Xếp hạng & nhóm", note="Cùng ký hiệu: không khác biệt <có ý nghĩa>.")
    root = ET.fromstring(svg)
    assert root.get("aria-label") == "Xếp hạng & nhóm"
    assert "<script>" not in svg
    words = texts(svg)
    assert {HOSTILE, "1 (1–2)", "95,2", "93,0", "70,0", "66,0", "Cùng ký hiệu: không khác biệt <có ý nghĩa>."} <= set(
        words
    )
    # The axis starts at the round number under the lowest interval (61) and ends at 100.
    assert {"60", "65", "100", "%"} <= set(words) and "55" not in words
    # Group 1 filled circles, group 2 a hollow square, group 3 a filled diamond, no group a grey hollow circle.
    circles = root.findall(f"{SVG}circle")
    assert [circle.get("fill") for circle in circles] == [ACCENT, ACCENT, "#ffffff"]
    assert circles[-1].get("stroke") == GREY
    squares = [rect for rect in root.findall(f"{SVG}rect") if rect.get("stroke") == ACCENT]
    assert len(squares) == 1 and squares[0].get("fill") == "#ffffff"
    diamonds = root.findall(f"{SVG}polygon")
    assert len(diamonds) == 1 and diamonds[0].get("fill") == ACCENT
    # Groups 1 and 3 sit on a band, group 2 between them does not.
    bands = [rect for rect in root.findall(f"{SVG}rect") if rect.get("fill") == BAND]
    assert len(bands) == 2


def test_a_ranking_of_nobody_still_draws_its_axis():
    words = texts(ranking_chart([]))
    assert "100" in words


def test_a_ranking_axis_never_starts_below_zero():
    words = texts(ranking_chart([RankedItem("Xã", 12.0, -3.0, 30.0)]))
    assert {"0", "20", "100"} <= set(words) and "-20" not in words


def test_a_trend_with_last_year_adds_a_dashed_grey_line_without_numbers_and_a_legend():
    months = [("10/2025", 80.0), ("11/2025", 82.5), ("12/2025", None), ("1/2026", 90.0)]
    svg = trend_chart(
        months, previous=[75.0, None, 78.5, 79.0], current_label="Năm nay <&>", previous_label="Năm trước"
    )
    root = ET.fromstring(svg)
    lines = root.findall(f"{SVG}polyline")
    dashed = [line for line in lines if line.get("stroke-dasharray")]
    # Last year: a gap at 11/2025 leaves one run of two points (plus the legend's sample).
    assert [line.get("stroke") for line in dashed] == [GREY, GREY]
    assert len([rect for rect in root.findall(f"{SVG}rect") if rect.get("stroke") == GREY]) == 3 + 1
    words = texts(svg)
    assert {"Năm nay <&>", "Năm trước", "80,0%", "82,5%", "90,0%"} <= set(words)
    assert "78,5%" not in words and "75,0%" not in words


def test_a_trend_without_last_year_is_drawn_as_before():
    months = [("10/2025", 80.0), ("11/2025", None), ("12/2025", 85.0)]
    assert trend_chart(months) == trend_chart(months, previous=None, previous_label="x", current_label="y")
    assert "stroke-dasharray" not in trend_chart(months)


def test_a_trend_names_its_two_years_even_without_labels():
    words = texts(trend_chart([("1/2026", 90.0)], previous=[None]))
    assert {"Năm nay", "Cùng kỳ năm trước"} <= set(words)


def test_a_distribution_writes_shares_inside_wide_segments_and_n_at_the_end():
    rows = [
        (HOSTILE, list(zip(ANSWERS, [60, 30, 24, 5, 1], strict=True))),
        ("Câu 2", [(answer, 0) for answer in ANSWERS]),
        ("Câu 3", list(zip(ANSWERS, [1000, 200, 34, 0, 0], strict=True))),
    ]
    svg = distribution_chart(rows, title="Phân bố <câu trả lời>")
    root = ET.fromstring(svg)
    assert root.get("aria-label") == "Phân bố <câu trả lời>"
    assert "<script>" not in svg
    words = texts(svg)
    # 60/120 = 50 %, 30/120 = 25 %, 24/120 = 20 %; 5/120 and 1/120 are too narrow to carry a number.
    assert {HOSTILE, "50,0", "25,0", "20,0", "n = 120", "n = 0", "n = 1.234", "chưa có câu trả lời"} <= set(words)
    assert "4,2" not in words and "0,8" not in words
    assert set(ANSWERS) <= set(words)
    empty = next(text for text in root.iter(f"{SVG}text") if text.text == "chưa có câu trả lời")
    assert empty.get("font-style") == "italic" and contrast(empty.get("fill"), "#ffffff") >= 4.5


def test_a_distribution_without_questions_is_still_an_svg():
    assert ET.fromstring(distribution_chart([])).get("role") == "img"


def test_the_five_answer_fills_stay_apart_in_greyscale():
    for first, second in itertools.combinations(ANSWER_FILLS, 2):
        apart = abs(luminance(first.colour) - luminance(second.colour)) >= 0.08
        assert apart or (first.hatch, first.gap) != (second.hatch, second.gap), (first, second)
    # Neighbours on the bar differ in lightness itself, hatching or not.
    for first, second in itertools.pairwise(ANSWER_FILLS):
        assert abs(luminance(first.colour) - luminance(second.colour)) >= 0.08
    # Printed grey, the strip above the numbers differs from one segment to the next.
    svg = distribution_chart([("Câu 1", list(zip(ANSWERS, [20, 20, 20, 20, 20], strict=True)))])
    image = greyscale(svg)
    # The segments are the bar-high rectangles; the lower patches behind numbers are not.
    bar = [rect for rect in ET.fromstring(svg).iter(f"{SVG}rect") if rect.get("height") == "20.0"]
    assert len(bar) == 5
    greys = []
    for rect in bar:
        x, y, width = (float(rect.get(name)) for name in ("x", "y", "width"))
        greys.append(mean_grey(image, svg, x + 3, y + 1, x + width - 3, y + 4))
    assert all(abs(a - b) >= 20 for a, b in itertools.pairwise(greys)), greys


def test_shares_on_every_answer_fill_reach_four_and_a_half_to_one():
    for fill in ANSWER_FILLS:
        assert contrast(fill.colour, ink_on(fill.colour)) >= 4.5


def test_every_new_chart_renders_to_png():
    charts = [
        heatmap([(HOSTILE, [90.0, None])], FACTORS[:2]),
        ranking_chart([RankedItem(HOSTILE, 90.0, 85.0, 95.0, group=1)]),
        trend_chart([("1/2026", 90.0)], previous=[85.0]),
        distribution_chart([(HOSTILE, list(zip(ANSWERS, [5, 4, 3, 2, 1], strict=True)))]),
    ]
    for svg in charts:
        assert svg_to_png(svg).startswith(b"\x89PNG\r\n\x1a\n")
