import sys

from nlp.train.cli import main

sys.exit(main())
