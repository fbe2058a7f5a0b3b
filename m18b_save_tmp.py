import time, sqlalchemy as sa
from benchmarks.bench_export import change
from casusregie.app import create_app
from casusregie.app.extensions import db
from casusregie.app.management import summary
app = create_app({"RATELIMIT_ENABLED": False, "CASUS_MFA_ROLES": []})
def off():
    for name, fn in (("before_flush", summary._before_flush), ("after_flush", summary._after_flush)):
        sa.event.remove(db.session, name, fn)
def on():
    summary.install(db.session)
for rnd in range(3):
    on(); a = change(app, 2026); off(); b = change(app, 2026); on()
    print(f"with upkeep {a*1000:.0f} ms, without {b*1000:.0f} ms", flush=True)
