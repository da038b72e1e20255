"""Saving figures: 300 dpi PNG, PDF with embedded fonts, SVG text as outlines."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from PIL import Image
from pypdf import PdfReader

import safezones as sz
from safezones import viz

# Baselines live in tests/viz/baseline; regenerate after a deliberate change with
#   pytest tests/viz --mpl-generate-path=tests/viz/baseline
MPL = {"baseline_dir": "baseline", "tolerance": 3, "savefig_kwargs": {"dpi": 45},
       "style": "default"}  # fmt: skip
ATTRIBUTIONS = ("Natural Earth (public domain)", "OCHA, UNCS (CC BY-IGO)", "UCDP GED (CC BY 4.0)")


def test_save_figure_png_is_300_dpi_a4_wide(results, tmp_path):
    fig, _ = viz.scenario_map(results["aleppo-freeze"])
    path = viz.save_figure(fig, tmp_path / "map.png", source="Sources: test")
    img = Image.open(path)
    assert img.size[0] == round(8.27 * 300)
    assert round(img.info["dpi"][0]) == 300
    assert img.info["Source"] == "Sources: test"


def test_save_figure_pdf_embeds_fonts_and_keeps_text(results, tmp_path):
    fig, _ = viz.scenario_map(results["aleppo-freeze"])
    path = viz.save_figure(fig, tmp_path / "map.pdf")
    reader = PdfReader(path)
    (page,) = reader.pages
    fonts = page["/Resources"]["/Font"]
    assert len(fonts)
    for ref in fonts.values():
        font = ref.get_object()
        desc = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font
                else font)["/FontDescriptor"].get_object()  # fmt: skip
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(desc.keys()), font["/BaseFont"]
    text = " ".join(page.extract_text().split())
    assert "Natural Earth (public domain)" in text and "UN Aleppo freeze" in text


def test_save_figure_svg_draws_text_as_outlines(tmp_path):
    fig, ax = plt.subplots()
    ax.set_title("Raqqa")
    svg = viz.save_figure(fig, tmp_path / "f.svg").read_text()
    assert "<text" not in svg and "Raqqa" in svg  # glyphs as paths; the string kept as a comment
    with pytest.raises(sz.SafeZonesError, match=r"the figure formats are \.png, \.pdf, \.svg"):
        viz.save_figure(fig, tmp_path / "f.tiff")
    assert not (tmp_path / "f.tiff").exists()
