import sys

from yuqing.nlp.train.cli import main

sys.exit(main())
