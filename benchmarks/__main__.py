"""`python -m benchmarks`: run the suites and print their figures."""

from benchmarks.run import main

raise SystemExit(main())
