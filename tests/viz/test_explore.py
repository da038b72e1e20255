"""result.explore(): a self-contained page (works offline) on which hostile text stays text.

The browser tests run Debian's chromium headless with every request sent to a
proxy on the loopback that records it and answers 502, so nothing leaves the
machine and the test sees what the page tried to fetch.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import io
import os
import re
import shutil
import socket
import subprocess
import threading
import tomllib
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import folium
import geopandas as gpd
import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

import safezones as sz
from safezones.scenario import Scenario, run
from safezones.viz.control import CONTROL_COLOURS, control_alpha
from safezones.viz.explore import LEAFLET_VERSION, escaped
from safezones.viz.format import KIND_COLOURS, LAND_COLOUR, SEA_COLOUR

ROOT = Path(__file__).resolve().parents[2]
#: A zone name whose onerror handler renames the page when it becomes HTML.
PAYLOAD = "<img src=x onerror=\"document.title='pwned'\">"
HOSTILE = Scenario.from_dict(
    {
        "id": "strip",
        "title": f"Strip {PAYLOAD}",
        "source": {"citation": f"cited {PAYLOAD}"},
        "zones": [
            {"id": "strip", "kind": "refuge", "border": "TUR", "depth_km": 30, "name": PAYLOAD}
        ],
    }
)
#: Chromium's own services (time, updates, sign-in), asked even with background
#: networking off; any other host is one the page asked for.
CHROMIUM_HOSTS = {
    "accounts.google.com",
    "clients1.google.com",
    "clients2.google.com",
    "content-autofill.googleapis.com",
    "edgedl.me.gvt1.com",
    "optimizationguide-pa.googleapis.com",
    "redirector.gvt1.com",
    "safebrowsing.googleapis.com",
    "update.googleapis.com",
    # Debian's Chromium 150 (2026-12) preconnects to its default search engine's host at
    # start; the pages here link nothing (test_the_page_links_nothing_and_carries_leaflet_and_the_borders)
    "www.google.com",
}


@cache
def _result() -> sz.ScenarioResult:
    r = run(HOSTILE, draws=20, seed=1)
    ev = r.events.copy()
    ev.loc[ev.index[0], ["event_id", "source"]] = [PAYLOAD, f"src {PAYLOAD}"]
    ev.loc[ev.index[0], "deaths_total"] = 10_000  # the deadliest: always shown
    return dataclasses.replace(r, events=ev)


def _page(tmp_path: Path, m: folium.Map, name: str = "map.html") -> Path:
    path = tmp_path / name
    m.save(str(path))
    return path


class _Tags(HTMLParser):
    """Start tags of an HTML text, with their attributes, and the text of <style> and <script>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.code: list[tuple[str, str]] = []
        self.text: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in = tag if tag in ("script", "style") else None

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.code.append((self._in, data))
        else:
            self.text.append(data)


def _parse(text: str) -> _Tags:
    p = _Tags()
    p.feed(text)
    p.close()
    return p


def _fetched_urls(page: str) -> list[str]:
    """The network URLs in ``page`` that a browser fetches: in src, href of <link>, data,
    srcset, CSS url(), tile layers."""
    p = _parse(page)
    urls: list[str] = []
    for tag, attrs in p.tags:
        for key in ("src", "data", "poster", "srcset", "background"):
            if attrs.get(key):
                urls.append(str(attrs[key]))
        if tag == "link" and attrs.get("href"):
            urls.append(str(attrs["href"]))
        urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", attrs.get("style") or "")
    for kind, code in p.code:
        if kind == "style":
            urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", code)
        else:
            urls += re.findall(r"L\.tileLayer\(\s*['\"]([^'\"]+)", code)
    # from the network: http(s), ftp, ws... and protocol-relative //host (a relative path
    # such as Leaflet's unused images/marker-icon.png would name a file beside the page)
    return [u for u in urls if re.match(r"\s*([a-z][a-z0-9+.-]*:)?//", u, re.IGNORECASE)]


# ---------------------------------------------------------------- the page, read


def test_every_text_reaches_tooltips_popups_and_layer_names_as_text():
    m = _result().explore()
    layers = [c for c in m._children.values() if isinstance(c, folium.GeoJson)]
    assert len(layers) == 2  # zones, events
    names, values = [], []
    for layer in layers:
        names.append(layer.layer_name)
        for f in layer.data["features"]:
            values += [v for v in f["properties"].values() if isinstance(v, str)]
    # folium's tooltips and popups, and Leaflet's layer control, set these as innerHTML
    for text in [*names, *values]:
        assert _parse(text).tags == [], text
    assert (
        names[0]
        == "zones: Strip &lt;img src=x onerror=&quot;document.title=&#x27;pwned&#x27;&quot;&gt;"
    )
    zone = layers[0].data["features"][0]["properties"]
    assert "".join(_parse(zone["name"]).text) == PAYLOAD  # escaped, not removed
    event = next(
        f["properties"] for f in layers[1].data["features"] if "img" in f["properties"]["event_id"]
    )
    assert "".join(_parse(event["event_id"]).text) == PAYLOAD
    assert "".join(_parse(event["source"]).text) == f"src {PAYLOAD}"
    # the page itself: the legend and sources box hold no tag of the citation
    page = m.get_root().render()
    assert not [t for t, a in _parse(page).tags if t == "img" or "onerror" in a]


def test_escaped_keeps_numbers_and_missing_values():
    df = pd.DataFrame(
        {
            "name": ["a & b", None, 3],
            "n": [1.5, 2.0, np.nan],
            "when": pd.to_datetime(["2014-01-02"] * 3),
        }
    )
    out = escaped(df)
    assert out["name"].tolist() == ["a &amp; b", None, 3]
    np.testing.assert_array_equal(out["n"].to_numpy(), df["n"].to_numpy())
    assert out["when"].tolist() == df["when"].tolist()
    assert df["name"].tolist() == ["a & b", None, 3]  # the input is left alone


def test_the_page_links_nothing_and_carries_leaflet_and_the_borders():
    r = _result()
    page = r.explore().get_root().render()
    assert _fetched_urls(page) == []
    assert f"Leaflet {LEAFLET_VERSION}" in page and "jquery" not in page.lower()
    assert len(page) < 1_100_000, len(page)  # 0.64 MB before: Leaflet adds 0.16, borders 0.1


def _groups(m: folium.Map) -> dict[str, folium.FeatureGroup]:
    """The map's feature groups by the start of their name: borders, and control when drawn."""
    groups = [c for c in m._children.values() if isinstance(c, folium.FeatureGroup)]
    return {g.layer_name.split(" ")[0].removesuffix(":"): g for g in groups}


def test_the_control_layer_is_added_once_between_the_borders_and_the_zones():
    r = _result()  # government-only threat, the bundled 2015 control surface
    m = r.explore(events=False)
    groups = [c for c in m._children.values() if isinstance(c, folium.FeatureGroup)]
    assert [g.layer_name for g in groups] == [
        "borders (Natural Earth, OCHA)",
        "who holds the ground: Control: Syria Conflict Mapping Project (The Carter Center), "
        "late 2014 snapshot.",
    ]
    (layer,) = [g for g in groups[1]._children.values() if isinstance(g, folium.GeoJson)]
    actors = {f["properties"]["actor"] for f in layer.data["features"]}
    assert actors == set(sz.schema.ACTORS)
    panes = {c.get_name(): c.z_index for c in m._children.values()
             if isinstance(c, folium.map.CustomPane)}  # fmt: skip
    assert sorted(panes.values()) == [250, 300]  # borders, control; zones in Leaflet's 400
    assert not _groups(r.explore(events=False, control=False)).keys() - {"borders"}


def _borders(m: folium.Map) -> dict[str, list]:
    group = _groups(m)["borders"]
    layers = [g for g in group._children.values() if isinstance(g, folium.GeoJson)]
    keys = ["neighbours", "syria", "governorates", "border"]  # in drawing order
    return {
        k: [shape(f["geometry"]) for f in g.data["features"]]
        for k, g in zip(keys, layers, strict=True)
    }


def test_the_borders_are_the_bundled_layers_simplified():
    from safezones import data
    from safezones.crs import to_metric

    m = _result().explore(events=False)
    b = _borders(m)
    assert len(b["governorates"]) == len(data.governorates()) == 14
    assert len(b["syria"]) == len(b["border"]) == 1 and len(b["neighbours"]) == 9
    # simplified to about 500 m: Syria's area within 0.5 %, each vertex near the true border
    syria = to_metric(data.countries().query("iso_a3 == 'SYR'")).geometry.iloc[0]
    drawn = to_metric(gpd.GeoSeries(b["syria"], crs=4326)).iloc[0]
    assert drawn.area == pytest.approx(syria.area, rel=0.005)
    far = shapely.distance(shapely.points(shapely.get_coordinates(drawn)), syria.boundary)
    assert far.max() < 600  # metres: 500 m tolerance and 4-decimal rounding (11 m)
    assert shapely.get_num_coordinates(drawn) < shapely.get_num_coordinates(syria) / 2
    # the neighbours reach 5 degrees around Syria, no further
    x0, y0, x1, y1 = data.countries().query("iso_a3 == 'SYR'").total_bounds
    nx0, ny0, nx1, ny1 = shapely.union_all(b["neighbours"]).bounds
    assert nx0 == pytest.approx(x0 - 5, abs=1e-4)  # Turkey and Egypt go on west of the box
    assert ny0 == pytest.approx(y0 - 5, abs=1e-4)
    assert nx1 <= x1 + 5 + 1e-4 and ny1 <= y1 + 5 + 1e-4


def test_tiles_are_an_option_and_the_borders_are_added_once():
    r = _result()
    plain = r.explore(events=False)
    assert not [c for c in plain._children.values() if isinstance(c, folium.TileLayer)]
    tiled = r.explore(events=False, tiles="OpenStreetMap")
    (tile,) = [c for c in tiled._children.values() if isinstance(c, folium.TileLayer)]
    assert "openstreetmap" in tile.tiles

    # over tiles the countries are lines only (their fill would hide the tiles); without
    # tiles the neighbours and Syria are filled, the governorates and the border lines
    def fills(m: folium.Map) -> list[float]:
        group = _groups(m)["borders"]
        styles = [g.style_function(None) for g in group._children.values()]
        return [0.0 if st.get("fill") is False else st["fillOpacity"] for st in styles]

    assert fills(tiled) == [0, 0, 0, 0]
    assert fills(plain) == [1, 1, 0, 0]
    with pytest.raises(
        sz.SafeZonesError,
        match=r"^tiles='nonsense' is not a tile name folium knows: give one such as "
        r"'OpenStreetMap', or None \(the default\) for no tiles$",
    ):
        r.explore(tiles="nonsense")
    # a second result on the same map: one set of borders
    again = r.explore(events=False, m=plain)
    assert again is plain
    panes = [c for c in plain._children.values() if isinstance(c, folium.map.CustomPane)]
    assert len(panes) == 2  # the borders' and the control layer's
    groups = [c for c in plain._children.values() if isinstance(c, folium.FeatureGroup)]
    assert len(groups) == 2  # the same surface twice: one control layer, not twice as dark


def test_the_vendored_leaflet_is_packaged_with_its_licence():
    vendor = ROOT / "src" / "safezones" / "viz" / "_vendor" / "leaflet"
    assert "BSD 2-Clause License" in (vendor / "LICENSE").read_text(encoding="utf-8")
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]["package-data"]["safezones"]
    files = [
        p.relative_to(ROOT / "src" / "safezones").as_posix()
        for p in vendor.rglob("*")
        if p.is_file()
    ]
    assert {
        "viz/_vendor/leaflet/leaflet.js",
        "viz/_vendor/leaflet/leaflet.css",
        "viz/_vendor/leaflet/LICENSE",
    } <= set(files)
    for f in files:
        assert any(fnmatch.fnmatch(f, g) for g in globs), f"{f} is not in package-data"


# ---------------------------------------------------------------- the page, in a browser


def _chromium() -> str:
    exe = shutil.which("chromium")
    if exe is None:
        msg = "chromium is not installed (Debian: apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(msg)  # .ci/run installs it: never skip there
        pytest.skip(msg)
    return exe


class _Proxy:
    """An HTTP proxy on the loopback that records each request line and answers 502."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    line = conn.recv(4096).split(b"\r\n", 1)[0].decode("latin-1")
                    self.requests.append(line)
                    conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                except OSError:
                    pass

    def __enter__(self) -> _Proxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()

    def page_hosts(self) -> list[str]:
        """Hosts asked for other than chromium's own services."""
        hosts = []
        for line in self.requests:
            parts = line.split()
            target = parts[1] if len(parts) > 1 else line
            host = re.sub(r"^\w+://", "", target).split("/")[0].split(":")[0]
            if host not in CHROMIUM_HOSTS:
                hosts.append(host)
        return hosts


def _browse(page: Path, tmp_path: Path, *args: str) -> tuple[str, list[str]]:
    """Open ``page`` in headless chromium offline: (stdout, the hosts the page asked for)."""
    exe = _chromium()
    with _Proxy() as proxy:
        cmd = [
            exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-features=NetworkTimeServiceQuerying",
            f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1000,800",
            "--virtual-time-budget=5000",
            f"--proxy-server=http://127.0.0.1:{proxy.port}", "--proxy-bypass-list=<-loopback>",
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            *args, page.as_uri(),
        ]  # fmt: skip
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=True)
    return out.stdout, proxy.page_hosts()


def _share(img: np.ndarray, rgb: np.ndarray, tol: float = 0.04) -> float:
    return float((np.abs(img[..., :3] - rgb).max(axis=-1) < tol).mean())


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])


def test_offline_the_screenshot_shows_the_zone_on_the_borders(tmp_path):
    page = _page(tmp_path, _result().explore())
    png = tmp_path / "map.png"
    _, hosts = _browse(page, tmp_path, f"--screenshot={png}")
    assert hosts == []  # today: four CDNs
    img = mpimg.imread(io.BytesIO(png.read_bytes()), format="png")
    assert img.shape[:2] == (800, 1000)
    # the strip's outline, drawn over the control layer (not filled: blue over the Kurdish
    # forces' yellow would read as the opposition's green), runs its whole length: in every
    # pixel column it spans above the legend box, but where the events (drawn over it) hide it
    outline = np.abs(img[:670, :, :3] - _rgb(KIND_COLOURS["refuge"])).max(axis=-1) < 0.04
    cols = np.flatnonzero(outline.any(axis=0))
    assert len(cols), "no zone outline"  # today 0: a blank page
    assert cols.max() - cols.min() > 500  # the Turkish border, about 800 km, fills the view
    assert outline[:, cols.min() : cols.max() + 1].any(axis=0).mean() > 0.9
    # the ground it crosses, the opposition's and the Kurdish forces' as drawn over white
    for actor in ("opposition", "kurds"):
        a = control_alpha(actor)
        assert _share(img, a * _rgb(CONTROL_COLOURS[actor]) + (1 - a)) > 0.001, actor
    # and the basemap: neighbours' land, the sea, Syria
    assert _share(img, _rgb(LAND_COLOUR)) > 0.10
    assert _share(img, _rgb(SEA_COLOUR)) > 0.01
    assert _share(img, np.ones(3)) > 0.05  # Syria where no one's ground is


def test_offline_hostile_text_in_open_tooltips_and_popups_runs_nothing(tmp_path):
    page = _page(tmp_path, _result().explore())
    text = page.read_text(encoding="utf-8")
    (map_var,) = set(re.findall(r"var (map_[0-9a-f]+) = L\.map\(", text))
    popups = sorted(set(re.findall(r"(geo_json_[0-9a-f]+)\.bindPopup\(", text)))
    tooltips = sorted(set(re.findall(r"(geo_json_[0-9a-f]+)\.bindTooltip\(", text)))
    # zones and events; the zones' tooltip and the control layer's (held by)
    assert len(popups) == 2 and len(tooltips) == 2
    # what clicks and a hover do: each popup's content becomes HTML, the zones' last
    (zones,) = set(popups) & set(tooltips)
    opener = "".join(f"{v}.openPopup();" for v in popups if v != zones)
    opener += f"{zones}.openPopup();{zones}.openTooltip();{map_var}.invalidateSize();"
    opened = text.replace("</html>", f"<script>{opener}</script></html>")
    page.write_text(opened, encoding="utf-8")
    dom, hosts = _browse(page, tmp_path, "--dump-dom")
    assert hosts == []
    assert re.findall(r"<title>(.*?)</title>", dom) in ([], [""])  # unescaped: ['pwned']
    p = _parse(dom)
    assert not [a for _, a in p.tags if "onerror" in a]
    # the payload is on the page as text: layer control, the zone's popup and tooltip,
    # the sources box
    assert "".join(p.text).count(PAYLOAD) == 4
