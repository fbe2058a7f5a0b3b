"""Development entry point. Production: ``gunicorn "casusregie.app:create_app()"``."""

import os

from casusregie.app import create_app

app = create_app()

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8080")))
