"""Entry script of the frozen app: the same `annotator` command as the installed package."""

from annotator.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
