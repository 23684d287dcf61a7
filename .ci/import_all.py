"""Import a package and every module below it; exit non-zero naming the first that fails."""

import importlib
import pkgutil
import sys


def main(name: str) -> int:
    """Import the package `name` and all of its submodules."""
    package = importlib.import_module(name)
    count = 1
    for info in pkgutil.walk_packages(package.__path__, prefix=f"{name}."):
        if info.name.endswith(".__main__"):
            continue  # running it would start the program
        try:
            importlib.import_module(info.name)
        except ImportError as exc:
            print(f"{info.name}: {exc}", file=sys.stderr)
            return 1
        count += 1
    print(f"{name}: {count} modules import with only declared dependencies")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
