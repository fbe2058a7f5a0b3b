from tests.support import Browser
def test_smoke(app):
    for u in ("coordinator", "management", "ggd"):
        b = Browser(app).login(u)
        r = b.get("/management/")
        print(u, r.status_code)
        if r.status_code != 200:
            print(r.text[:3000])
        assert r.status_code == 200
        open(f"/tmp/mi_{u}.html","w").write(r.text)
    b = Browser(app).login("coordinator")
    r = b.get("/export/cases/")
    print(r.status_code); open("/tmp/exp.html","w").write(r.text)
    assert r.status_code == 200
    r = b.submit("/export/cases/", {"columns": ["number","phase","summary"], "file_format":"csv", "purpose":"Controle maandcijfers"})
    print(r.status_code, r.headers)
    print(r.data.decode()[:500])
    r = b.submit("/management/", {"purpose":"Raadsrapportage Q4"}, post_url="/management/report")
    print(r.status_code, r.headers.get("Content-Type"))
    open("/tmp/mi.pdf","wb").write(r.data)
