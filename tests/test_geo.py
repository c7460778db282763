"""Reference geography: regions of Kazakhstan and the offline gazetteer, on the real data."""

from __future__ import annotations

import csv
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from symbols import geo
from symbols.errors import PlaceError, SymbolsError

# (name, lon, lat, region) with GeoNames' coordinates of each town centre
TOWNS = [
    ("Taldykorgan", 78.37389, 45.01556, "KZ-33"),  # Jetisu Region since June 2022
    ("Kegen", 79.22638, 43.01451, "KZ-19"),  # Almaty Region
    ("Semey", 80.25025, 50.42064, "KZ-10"),  # Abai Region
    ("Zhezqazghan", 67.70628, 47.79411, "KZ-62"),  # Ulytau Region
    ("Astana", 71.44598, 51.1801, "KZ-71"),
    ("Almaty", 76.9115, 43.25249, "KZ-75"),
    ("Shymkent", 69.60042, 42.30988, "KZ-79"),
    ("Konayev", 77.06304, 43.86681, "KZ-19"),  # new centre of Almaty Region
    ("Turkistan", 68.25685, 43.29458, "KZ-61"),
]
OUTSIDE = [
    (74.59, 42.87),  # Bishkek
    (69.24, 41.30),  # Tashkent
    (37.62, 55.75),  # Moscow
    (73.37, 54.99),  # Omsk
    (0.0, 0.0),
    (float("nan"), 45.0),
]


def test_twenty_regions_with_names_in_three_languages():
    regions = geo.regions()
    assert len(regions) == 20
    assert list(regions) == sorted(regions)
    assert {"KZ-10", "KZ-33", "KZ-62", "KZ-71", "KZ-75", "KZ-79"} <= set(regions)
    assert sorted(r.type for r in regions.values()).count("city") == 3
    for code, r in regions.items():
        assert r.code == code and geo.country_of_region(code) == "KZ"
        assert r.name_en.isascii() and r.name_en
        for name in (r.name_kk, r.name_ru):
            assert any("\u0400" <= c <= "\u04ff" for c in name), (code, name)
    assert regions["KZ-33"].name_en == "Jetisu Region"
    assert regions["KZ-33"].name_kk == "Жетісу облысы"
    assert regions["KZ-10"].name_ru == "Абайская область"


@pytest.mark.parametrize(("name", "lon", "lat", "code"), TOWNS)
def test_region_at_towns(name, lon, lat, code):
    assert geo.region_at(lon, lat) == code


@pytest.mark.parametrize(("lon", "lat"), OUTSIDE)
def test_region_at_outside_kazakhstan_is_none(lon, lat):
    assert geo.region_at(lon, lat) is None


def test_vectorised_agrees_with_single_calls():
    lons = [lon for _, lon, _, _ in TOWNS] + [lon for lon, _ in OUTSIDE]
    lats = [lat for _, _, lat, _ in TOWNS] + [lat for _, lat in OUTSIDE]
    step = 0.37  # a coarse grid over the whole country and its neighbours
    for i in range(int((88 - 46) / step)):
        for j in range(int((56 - 40) / step)):
            lons.append(46 + i * step)
            lats.append(40 + j * step)
    many = geo.regions_at(lons, lats)
    assert many == [geo.region_at(x, y) for x, y in zip(lons, lats, strict=True)]
    assert set(many) == set(geo.regions()) | {None}


def test_vectorised_is_fast():
    import numpy as np

    rng = np.random.default_rng(1)
    lons, lats = rng.uniform(46, 88, 100_000), rng.uniform(40, 56, 100_000)
    geo.region_geometries()  # loading the polygons is not part of the query
    start = time.perf_counter()
    codes = geo.regions_at(lons, lats)
    assert time.perf_counter() - start < 1.0
    assert len(codes) == 100_000 and 0 < sum(c is not None for c in codes) < 100_000


def test_vectorised_rejects_mismatched_lengths():
    with pytest.raises(ValueError):
        geo.regions_at([70.0, 71.0], [50.0])


def test_point_on_shared_border_is_deterministic():
    import shapely

    geoms = geo.region_geometries()
    shared = geoms["KZ-19"].boundary.intersection(geoms["KZ-75"].boundary)
    x, y = shapely.get_coordinates(shared)[0]
    assert geoms["KZ-19"].intersects(shapely.Point(x, y))
    assert geoms["KZ-75"].intersects(shapely.Point(x, y))
    assert geo.region_at(x, y) == "KZ-19"  # the lower code
    assert geo.regions_at([x] * 3, [y] * 3) == ["KZ-19"] * 3


def test_country_of_region():
    assert geo.country_of_region("KZ-33") == "KZ"
    assert geo.country_of_region("kg-c") == "KG"
    for bad in ("KZ", "Jetisu", "KZ-", "KZ33"):
        with pytest.raises(ValueError):
            geo.country_of_region(bad)


def _python(code: str, **env: str) -> str:
    src = str(Path(geo.__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "PYTHONPATH": path, **env}
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return run.stdout


def test_importing_geo_does_not_load_shapely():
    heavy = "{'shapely', 'geopandas', 'numpy'}"
    assert _python(f"import sys, symbols.geo; print(sorted({heavy} & {{*sys.modules}}))") == "[]\n"


def test_geo_dir_can_be_overridden(tmp_path):
    code = "import symbols.geo as g; print(g.REGIONS_FILE); print(g.GAZETTEER_FILE)"
    expected = [str(tmp_path / "kz_regions.geojson"), str(tmp_path / "kz_gazetteer.tsv")]
    assert _python(code, SYMBOLS_GEO_DIR=str(tmp_path)).split() == expected


# --- gazetteer ---------------------------------------------------------------------------------

SPELLINGS = [
    (
        1518542,
        [
            "Талдыкорган",
            "Талдықорған",
            "Taldyqorghan",
            "Taldykorgan",
            "Taldy-Kurgan",
            "TALDYKORGAN",
            "  taldykorgan ",
        ],
    ),
    (1522818, ["Кеген", "Kegen", "кеген"]),
    (
        1526273,
        [
            "Астана",
            "Astana",
            "Нур-Султан",
            "Нұр-Сұлтан",
            "Nur-Sultan",
            "Akmola",
            "Акмола",
            "Tselinograd",
            "Целиноград",
        ],
    ),
    (1526384, ["Алматы", "Almaty", "Алма-Ата", "Alma-Ata", "Alma Ata", "Верный"]),
    (1517945, ["Түркістан", "Туркестан", "Turkestan", "Turkistan"]),
    (1518980, ["Шымкент", "Shymkent", "Chimkent", "Чимкент"]),
    (1516589, ["Жезқазған", "Жезказган", "Zhezqazghan", "Zhezkazgan", "Dzhezkazgan"]),
    (1519422, ["Семей", "Semey", "Semipalatinsk", "Семипалатинск"]),
    (1519948, ["Қонаев", "Конаев", "Konayev", "Qonaev", "Kapchagay", "Қапшағай"]),
]


@pytest.mark.parametrize(("geonameid", "spellings"), SPELLINGS)
def test_spellings_in_three_scripts_resolve_to_one_place(geonameid, spellings):
    for text in spellings:
        assert geo.lookup_place(text).geonameid == geonameid, text


def test_lookup_gives_names_region_and_what_matched():
    p = geo.lookup_place("Taldyqorghan")
    assert (p.name, p.name_kk, p.name_ru, p.region) == (
        "Taldykorgan",
        "Талдықорған",
        "Талдыкорган",
        "KZ-33",
    )
    assert p.matched == "Taldyqorghan"
    assert math.isclose(p.lon, 78.37389) and math.isclose(p.lat, 45.01556)
    assert p.population > 100_000
    assert geo.lookup_place("Нур-Султан").matched == "Нур-Султан"
    assert geo.lookup_place("Turkestan").name_kk == "Түркістан"
    kegen = geo.lookup_place("Кеген")
    assert (kegen.name, kegen.name_kk, kegen.region) == ("Kegen", "Кеген", "KZ-19")


@pytest.mark.parametrize(("name", "lon", "lat", "code"), TOWNS)
def test_gazetteer_regions_of_towns(name, lon, lat, code):
    assert geo.lookup_place(name).region == code


def test_unknown_place_lists_close_candidates():
    with pytest.raises(PlaceError, match="did you mean") as err:
        geo.lookup_place("Taldykorgen")
    assert "Taldykorgan" in str(err.value) and "KZ-33" in str(err.value)
    assert isinstance(err.value, SymbolsError)
    with pytest.raises(PlaceError, match="unknown place"):
        geo.lookup_place("Gotham City")
    with pytest.raises(PlaceError):
        geo.lookup_place(" - ")


def test_ambiguous_place_lists_candidates_with_region_and_population():
    with pytest.raises(PlaceError, match="ambiguous") as err:
        geo.lookup_place("Aksu")
    message = str(err.value)
    for part in ("KZ-55", "Pavlodar Region", "44,808", "KZ-61", "26,115", "KZ-11"):
        assert part in message
    assert geo.lookup_place("Aksu, KZ-61").geonameid == 1525462
    assert geo.lookup_place("Ақсу", region="Pavlodar Region").geonameid == 1524298
    assert geo.lookup_place("Aksu, Ақмола облысы").region == "KZ-11"
    with pytest.raises(PlaceError, match="unknown place"):
        geo.lookup_place("Kegen", region="KZ-33")
    with pytest.raises(PlaceError, match="unknown region"):
        geo.lookup_place("Kegen", region="Atlantis")


def test_much_larger_namesake_wins():
    # three places are called Aktau; the port city has more than 10x the others' population
    assert geo.DOMINANCE == 10
    aktau = geo.lookup_place("Aktau")
    assert (aktau.geonameid, aktau.region) == (610612, "KZ-47")
    with pytest.raises(PlaceError, match="geonames 1526601"):  # two small ones in Karaganda Reg.
        geo.lookup_place("Aktau, KZ-35")
    assert geo.lookup_place("1526601").region == "KZ-35"


def test_lookup_by_geonameid():
    assert geo.lookup_place("1522818").name == "Kegen"


def test_search_places_suggests():
    found = geo.search_places("Taldy", limit=3)
    assert found[0].name == "Taldykorgan" and len(found) == 3
    assert geo.search_places("Шымкен")[0].name == "Shymkent"
    assert geo.search_places("") == []


def test_gazetteer_file_is_kazakhstan_only_with_regions_from_the_polygons():
    assert geo.GAZETTEER_FILE.stat().st_size < 300_000
    with geo.GAZETTEER_FILE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert len(rows) > 300
    assert {
        "geonameid",
        "name",
        "name_kk",
        "name_ru",
        "alternates",
        "lon",
        "lat",
        "population",
        "feature_class",
        "region",
    } <= set(rows[0])
    codes = geo.regions_at([float(r["lon"]) for r in rows], [float(r["lat"]) for r in rows])
    assert [r["region"] for r in rows] == codes
    assert None not in codes
    assert len({r["geonameid"] for r in rows}) == len(rows)
    centres = {r["centre_of"]: r["name"] for r in rows if r["centre_of"]}
    assert set(centres) == set(geo.regions())
    assert centres["KZ-33"] == "Taldykorgan" and centres["KZ-62"] == "Zhezqazghan"


# --- the grid index (geo/kz_regions.index.bin) against shapely ---------------------------------


def test_index_is_built_from_the_current_region_file():
    assert geo._index() is not None, "run geo/build_region_index.py"
    assert geo.simplified_regions() is not None, "run geo/build_region_index.py"


def _shapely_agrees(lons, lats):
    found = geo.regions_at(lons, lats)
    assert found == geo._regions_at_shapely(lons, lats)
    return found


def test_index_agrees_with_shapely_on_the_gazetteer():
    places = [place for place, _ in geo._gazetteer()]
    assert len(places) == 351
    found = _shapely_agrees([p.lon for p in places], [p.lat for p in places])
    assert found == [p.region for p in places]


def test_index_agrees_with_shapely_on_random_points():
    import numpy as np

    rng = np.random.default_rng(6)
    lons, lats = rng.uniform(46, 88, 100_000), rng.uniform(40, 56, 100_000)
    found = _shapely_agrees(lons, lats)
    assert set(found) == set(geo.regions()) | {None}


def test_index_agrees_with_shapely_on_borders_and_cell_lines():
    lons, lats = [], []
    for feature in geo._features():
        geometry = feature["geometry"]
        polygons = geometry["coordinates"]
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        for ring in (ring for polygon in polygons for ring in polygon):
            for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
                # a shared vertex, a point near an edge's middle, points a hair off the vertex
                lons += [x1, (x1 + x2) / 2, math.nextafter(x1, 90), x1 - 1e-9]
                lats += [y1, (y1 + y2) / 2, y1, math.nextafter(y1, 0)]
    # the index's cell lines, where a point belongs to two cells
    for i in range(42 * 32):
        for j in range(16 * 32):
            lons.append(46 + i / 32)
            lats.append(40 + j / 32)
    found = _shapely_agrees(lons, lats)
    assert "KZ-19" in found and "KZ-75" in found


def test_index_answers_without_numpy_or_shapely():
    heavy = "{'shapely', 'numpy'}"
    code = (
        "import sys, symbols.geo as g; print(g.regions_at([76.9115, 0.0], [43.25249, 0.0])); "
        f"print(sorted({heavy} & {{*sys.modules}}))"
    )
    assert _python(code) == "['KZ-75', None]\n[]\n"


def test_stale_index_is_not_used(tmp_path):
    for name in ("kz_regions.geojson", "kz_regions.index.bin", "kz_regions.simplified.json"):
        (tmp_path / name).write_bytes((geo.GEO_DIR / name).read_bytes())
    with (tmp_path / "kz_regions.geojson").open("ab") as stream:
        stream.write(b"\n")  # the same regions, another file: the index no longer matches it
    code = (
        "import symbols.geo as g; print(g._index() is None, g.simplified_regions() is None); "
        "print(g.regions_at([76.9115], [43.25249]))"
    )
    assert _python(code, SYMBOLS_GEO_DIR=str(tmp_path)) == "True True\n['KZ-75']\n"


def test_damaged_index_is_not_used(tmp_path):
    for name in ("kz_regions.geojson", "kz_regions.index.bin", "kz_regions.simplified.json"):
        (tmp_path / name).write_bytes((geo.GEO_DIR / name).read_bytes())
    index = tmp_path / "kz_regions.index.bin"
    index.write_bytes(index.read_bytes()[:-1000])  # the header intact, the vertices cut short
    code = "import symbols.geo as g; print(g._index() is None, g.regions_at([76.9115], [43.25249]))"
    assert _python(code, SYMBOLS_GEO_DIR=str(tmp_path)) == "True ['KZ-75']\n"


def test_an_index_of_another_layout_is_not_used(tmp_path):
    for name in ("kz_regions.geojson", "kz_regions.index.bin", "kz_regions.simplified.json"):
        (tmp_path / name).write_bytes((geo.GEO_DIR / name).read_bytes())
    index = tmp_path / "kz_regions.index.bin"
    raw = index.read_bytes()
    assert raw.count(geo.INDEX_FORMAT.encode()) == 1
    index.write_bytes(raw.replace(geo.INDEX_FORMAT.encode(), b"symbols region index 1"))
    code = "import symbols.geo as g; print(g._index() is None, g.regions_at([76.9115], [43.25249]))"
    assert _python(code, SYMBOLS_GEO_DIR=str(tmp_path)) == "True ['KZ-75']\n"


def test_missing_geo_data_is_one_line_not_a_traceback(tmp_path):
    registry = Path(__file__).resolve().parents[1] / "data" / "monuments.geojson"
    out = tmp_path / "map.html"
    for command in (["validate", str(registry)], ["map", str(registry), "--out", str(out)]):
        code = f"import sys, symbols.cli as c; sys.argv = ['symbols', *{command!r}]; c.main()"
        src = str(Path(geo.__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": src, "SYMBOLS_GEO_DIR": str(tmp_path / "nowhere")}
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
        assert run.returncode == 1
        assert run.stderr == (
            f"symbols: cannot read {tmp_path / 'nowhere' / 'kz_regions.geojson'}: No such file "
            "or directory (the geo/ folder of the symbols repository; SYMBOLS_GEO_DIR names "
            "another)\n"
        )
    assert not out.exists()


def test_an_installed_wheel_carries_the_geography(tmp_path):
    """Not only a checkout: the wheel that `pip install` builds has geo/ as symbols/_geodata."""
    import shutil
    import zipfile

    root, tree = Path(__file__).resolve().parents[1], tmp_path / "tree"
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in ("src", "geo"):  # built away from the checkout, which it would write in
        shutil.copytree(root / name, tree / name, ignore=skip)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(root / name, tree / name)
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path)]
    build = subprocess.run([*command, str(tree)], capture_output=True, text=True, cwd=tmp_path)
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = tmp_path.glob("symbols-*.whl")
    installed = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(installed)
    for name in ("kz_regions.geojson", "kz_regions.index.bin", "kz_gazetteer.tsv", "README.md"):
        assert f"symbols/_geodata/{name}" in names
    code = (
        "import symbols.geo as g; print(g.__file__); print(g.GEO_DIR); "
        "print(g.region_at(76.9115, 43.25249)); print(g.lookup_place('Kegen').region)"
    )
    env = {k: v for k, v in os.environ.items() if k != "SYMBOLS_GEO_DIR"}
    env["PYTHONPATH"] = str(installed)
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr
    module, data, region, kegen = run.stdout.split()
    assert Path(module) == installed / "symbols" / "geo.py"
    assert Path(data) == installed / "symbols" / "_geodata"
    assert (region, kegen) == ("KZ-75", "KZ-19")
