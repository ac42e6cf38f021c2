"""Static files that travel once: a content version in every url_for('static'), a year's
immutable cache for the versioned URL, a short one without it, and ES modules that import each
other by versioned URL, so that a change anywhere below a module gives it a new URL."""
from __future__ import annotations

import json
import re

import pytest

from eventapp.core.assets import IMMUTABLE, AssetTable
from eventapp.door.views import DOOR_CODE
from tests import factories

VERSIONED = re.compile(r"/static/([^\"'?]+)\?v=([0-9a-f]{12})")


def test_every_static_url_of_a_page_is_versioned_and_immutable(client, login):
    user = login("door")
    event = factories.make_event()
    user.events = [event]
    from eventapp.extensions import db

    db.session.commit()
    html = client.get(f"/events/{event.slug}/door").get_data(as_text=True)
    urls = dict(VERSIONED.findall(html))
    for name in ("css/app.css", "css/door.css", "img/icon.svg", "vendor/jsqr/jsQR.js", "js/door/main.js"):
        assert name in urls, name
    assert "/static/" not in VERSIONED.sub("", html)  # no static URL left without its version
    for name, version in urls.items():
        answer = client.get(f"/static/{name}?v={version}")
        assert answer.status_code == 200
        assert answer.headers["Cache-Control"] == IMMUTABLE
        assert answer.headers["ETag"] == f'"{version}"'
        # Revalidated (a browser that ignores immutable): a 304 with no body.
        again = client.get(f"/static/{name}?v={version}", headers={"If-None-Match": f'"{version}"'})
        assert again.status_code == 304 and again.data == b""


def test_unversioned_or_old_versions_get_a_short_cache(client):
    from eventapp.core.assets import current_table

    version = current_table().get("css/app.css").version
    for url in ("/static/css/app.css", "/static/css/app.css?v=000000000000"):
        answer = client.get(url)
        assert answer.status_code == 200 and answer.mimetype == "text/css"
        cache = answer.headers["Cache-Control"]
        assert "immutable" not in cache and "max-age=300" in cache, (url, cache)
    assert client.get(f"/static/css/app.css?v={version}").headers["Cache-Control"] == IMMUTABLE
    assert client.get("/static/css/nothing-here.css").status_code == 404


def test_door_modules_import_each_other_by_versioned_url(client):
    from eventapp.core.assets import current_table

    table = current_table()
    main = client.get(f"/static/js/door/main.js?v={table.get('js/door/main.js').version}")
    text = main.get_data(as_text=True)
    specifiers = re.findall(r'from "(\./[^"]+)"', text)
    assert len(specifiers) >= 6
    for spec in specifiers:
        name, version = re.fullmatch(r"\./([a-z]+\.js)\?v=([0-9a-f]{12})", spec).groups()
        assert table.get(f"js/door/{name}").version == version, spec
    # The same module always has the same URL, whoever imports it: one instance per page.
    page_urls = set()
    for name in table.with_imports(["js/door/main.js"]):
        body = table.get(name).body.decode("utf-8")
        page_urls |= set(re.findall(r'"\./page\.js\?v=[0-9a-f]+"', body))
    assert len(page_urls) == 1


def test_the_service_worker_names_the_page_urls_and_is_not_cached_long(client):
    worker = client.get("/door-sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert worker.headers["Cache-Control"] == "no-cache"
    assert worker.headers["Service-Worker-Allowed"] == "/"
    head = worker.get_data(as_text=True).split("\n", 1)[0]
    door = json.loads(head.removeprefix("var DOOR = ").removesuffix(";"))
    assert re.fullmatch(r"eventapp-door-[0-9a-f]{12}", door["cache"])
    from eventapp.core.assets import current_table

    table = current_table()
    names = table.with_imports(DOOR_CODE)
    assert door["code"] == [f"/static/{n}?v={table.get(n).version}" for n in names]
    for module in ("main", "page", "codes", "store", "screens", "scan", "sync", "checkin"):
        assert f"js/door/{module}.js" in names


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "js").mkdir()
    files = {
        "js/app.js": 'import { b } from "./b.js";\nimport "./side.js";\nconst lazy = () => import("./lazy.js");\n',
        "js/b.js": 'export { c } from "./lib/c.js";\nexport const b = 1;\n',
        "js/lib/c.js": 'import { b } from "../b.js";\nexport const c = 2;  // a cycle back to b\n',
        "js/side.js": "console.log('side');\n",
        "js/lazy.js": "export default 3;\n",
        "js/other.js": 'import x from "./missing.js";\nimport y from "https://example.org/y.js";\n',
        "css/app.css": "body { color: #1b5e3a; }\n",
    }
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_a_change_below_a_module_changes_the_url_of_every_module_above_it(folder):
    before = AssetTable(folder)
    app_js = before.get("js/app.js").body.decode()
    for name in ("b.js", "side.js", "lazy.js"):
        assert f'"./{name}?v={before.get("js/" + name).version}"' in app_js
    assert f'"./lib/c.js?v={before.get("js/lib/c.js").version}"' in before.get("js/b.js").body.decode()
    assert f'"../b.js?v={before.get("js/b.js").version}"' in before.get("js/lib/c.js").body.decode()
    # Specifiers that name no file of the folder are left alone.
    other = before.get("js/other.js").body.decode()
    assert '"./missing.js"' in other and '"https://example.org/y.js"' in other
    assert before.with_imports(["js/app.js"]) == ["js/app.js", "js/b.js", "js/lazy.js", "js/lib/c.js", "js/side.js"]

    (folder / "js/lib/c.js").write_text('import { b } from "../b.js";\nexport const c = 20;\n', encoding="utf-8")
    assert before.stale()
    after = AssetTable(folder)
    for changed in ("js/app.js", "js/b.js", "js/lib/c.js"):
        assert after.get(changed).version != before.get(changed).version, changed
    for same in ("js/side.js", "js/lazy.js", "js/other.js", "css/app.css"):
        assert after.get(same).version == before.get(same).version, same
        assert after.get(same).body == before.get(same).body


def test_the_bytes_served_are_those_the_version_was_computed_on(folder):
    table = AssetTable(folder)
    (folder / "css/app.css").write_text("body { color: red; }\n", encoding="utf-8")
    assert table.get("css/app.css").body == b"body { color: #1b5e3a; }\n"
    assert table.get("css/app.css").mimetype == "text/css"
