"""One installed package, ``casusregie``, made of the folders at the repository root.

The design keeps ``app/``, ``reports/``, ``plugins/``, ``config.py``, ``translations/``
and ``migrations/`` at the root of the checkout. Installed, they are
``casusregie.app``, ``casusregie.reports``, ``casusregie.plugins`` and
``casusregie.config``, with the translations and migrations beside ``config.py`` (its
``BASE_DIR``), so that site-packages holds one top-level name. ``casusregie`` itself is a
namespace package (no ``__init__.py``): its folder is the checkout's root. The project's
metadata is in pyproject.toml; this file only lists what goes in, because setuptools
cannot prefix discovered packages with a name.
"""

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

NAME = "casusregie"
FOLDERS = ("app", "reports", "plugins")


class BuildPy(build_py):
    """The root folder is the package ``casusregie``: of its own modules only
    ``config.py`` is installed (not run.py or this file)."""

    def find_package_modules(self, package, package_dir):
        modules = super().find_package_modules(package, package_dir)
        if package == NAME:
            modules = [m for m in modules if m[1] == "config"]
        return modules


setup(
    package_dir={NAME: "."},
    packages=[NAME] + [f"{NAME}.{name}" for name in find_packages(
        include=[pattern for folder in FOLDERS for pattern in (folder, f"{folder}.*")])],
    package_data={
        NAME: ["translations/*/LC_MESSAGES/*.mo", "migrations/*.py", "migrations/*.mako",
               "migrations/alembic.ini", "migrations/README", "migrations/versions/*.py"],
        f"{NAME}.app": ["templates/**/*", "static/**/*"],
        f"{NAME}.plugins": ["*/translations/*/LC_MESSAGES/*", "*/migrations/*.mako",
                            "*/migrations/versions/*.py", "*/templates/**/*"],
        # The embedded report fonts and their licence.
        f"{NAME}.reports": ["fonts/*"],
    },
    # Only the data listed above: not the checkout's other files in the root folder.
    include_package_data=False,
    cmdclass={"build_py": BuildPy},
)
